using Dstack.Cli.DevEnvironments;

namespace Dstack.Cli.Tests.DevEnvironments;

public sealed class LocalUrlsTests
{
    private static readonly Dictionary<int, int> Ports = new() { [8000] = 41001, [8888] = 41002 };

    [Theory]
    [InlineData("Serving HTTP on 0.0.0.0 port 8000 (http://0.0.0.0:8000/) ...", "Serving HTTP on 0.0.0.0 port 8000 (http://localhost:41001/) ...")]
    [InlineData("open http://localhost:8888/?token=abc or http://127.0.0.1:8888/?token=abc", "open http://localhost:41002/?token=abc or http://localhost:41002/?token=abc")]
    [InlineData("listening on [::]:8000", "listening on localhost:41001")]
    public void Rewrite_AddressOfAForwardedPort_BecomesTheLocalOne(string line, string expected)
    {
        Assert.Equal(expected, LocalUrls.Rewrite(line, Ports));
    }

    [Theory]
    [InlineData("http://localhost:80001/")]
    [InlineData("http://localhost:800/")]
    [InlineData("http://example.com:8000/")]
    [InlineData("http://my.localhost:8000/")]
    [InlineData("version 10.0.0.0:8000")]
    public void Rewrite_OtherPortsAndHosts_StayAsTheyAre(string line)
    {
        Assert.Equal(line, LocalUrls.Rewrite(line, Ports));
    }
}
