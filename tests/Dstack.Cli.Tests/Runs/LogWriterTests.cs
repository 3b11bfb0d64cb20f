using System.Text;
using Dstack.Cli.Runs;

namespace Dstack.Cli.Tests.Runs;

public sealed class LogWriterTests
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task WriteAsync_HoldingUrls_StopsBeforeTheFirstAddressUntilForwarded()
    {
        var output = new StringWriter();
        var sut = new LogWriter(output) { HoldLocalUrls = true };

        await sut.WriteAsync(Bytes("preparing\nServing on http://0.0.0.0:8000/\nGET / 200\npart"), flush: false);
        var beforeForwarding = output.ToString();
        sut.LocalPorts = new Dictionary<int, int> { [8000] = 41001 };
        sut.HoldLocalUrls = false;
        await sut.ReleaseAsync();
        var afterForwarding = output.ToString();
        await sut.WriteAsync(Bytes("ial\n"), flush: true);

        Assert.Equal("preparing\n", beforeForwarding);
        Assert.Equal("preparing\nServing on http://localhost:41001/\nGET / 200\n", afterForwarding);
        Assert.Equal("preparing\nServing on http://localhost:41001/\nGET / 200\npartial\n", output.ToString());
    }

    [Fact]
    public async Task WriteAsync_Flush_WritesHeldLinesEvenIfNeverForwarded()
    {
        var output = new StringWriter();
        var sut = new LogWriter(output) { HoldLocalUrls = true };

        await sut.WriteAsync(Bytes("at http://127.0.0.1:8000/\nend"), flush: false);
        await sut.WriteAsync([], flush: true);

        Assert.Equal("at http://127.0.0.1:8000/\nend", output.ToString());
    }

    [Fact]
    public async Task WriteAsync_NoPorts_WritesPartialLinesAtOnce()
    {
        var output = new StringWriter();
        var sut = new LogWriter(output);

        await sut.WriteAsync(Bytes("progress 10%"), flush: false);

        Assert.Equal("progress 10%", output.ToString());
    }
}
