using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dstack.Cli.Tests.Commands;

public sealed class OffersCommandTests
{
    [Fact]
    public async Task Offers_NoBackendsConfigured_ListsThisMachine()
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync("offers");

        Assert.Equal(0, exitCode);
        Assert.Contains("local", output, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} CPU"), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offers_SshHostNotAnswering_NoteNamesTheHost()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await File.WriteAllTextAsync(Path.Combine(home.Root, "config.yml"), $"""
            backends:
              - type: local
              - type: ssh
                hosts:
                  - host: 127.0.0.1
                    port: {port}
                    user: nobody
                    identity_file: {Path.Combine(home.Root, "key")}
            """);
        await File.WriteAllTextAsync(Path.Combine(home.Root, "key"), "not a key");

        var (exitCode, output) = await home.RunAsync("offers", "--json");

        Assert.Equal(0, exitCode);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        Assert.Equal("local", Assert.Single(json.RootElement.GetProperty("offers").EnumerateArray()).GetProperty("backend").GetString());
        var note = Assert.Single(json.RootElement.GetProperty("notes").EnumerateArray()).GetString();
        Assert.Contains($"nobody@127.0.0.1:{port}", note, StringComparison.Ordinal);
    }
}
