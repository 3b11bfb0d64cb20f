using System.Text.RegularExpressions;

namespace Dstack.EndToEnd.Tests;

/// <summary>`dstack server status` and `stop` act on this dstack folder's server alone, found by its recorded process.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class ServerCommandTests
{
    [Fact]
    public async Task Server_StatusSecondStartAndStop_ActOnTheRecordedServerOnly()
    {
        await using var sandbox = new DstackSandbox();
        var none = await sandbox.DstackAsync("server", "status");
        Assert.True(none.ExitCode == 1, none.Output);
        Assert.Contains("No dstack server runs", none.Output, StringComparison.Ordinal);

        var server = await sandbox.StartDstackServerAsync();
        var status = await sandbox.DstackAsync("server", "status");
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Contains($"(pid {server.Id}) at {sandbox.Address}", status.Output, StringComparison.Ordinal);

        // The server's key was made for this folder, readable by its owner alone; status prints a fresh UI login link each time.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(sandbox.Home, "server.key")));
        var login = LoginLinkRegex().Match(status.Output);
        Assert.True(login.Success, status.Output);
        var statusAgain = await sandbox.DstackAsync("server", "status");
        Assert.Matches(LoginLinkRegex(), statusAgain.Output);
        Assert.DoesNotContain(login.Value, statusAgain.Output, StringComparison.Ordinal);

        // A second server for the same folder says where the first one is and how to stop it, on one line however long.
        var second = await sandbox.DstackAsync("server");
        Assert.True(second.ExitCode == 1, second.Output);
        Assert.Contains(
            second.Output.Split('\n'),
            line => line.Contains($"already runs for {sandbox.Home} (pid {server.Id}, at {sandbox.Address}", StringComparison.Ordinal) && line.Contains("`dstack server stop`", StringComparison.Ordinal));

        var stop = await sandbox.DstackAsync("server", "stop");
        Assert.True(stop.ExitCode == 0, stop.Output);
        Assert.Contains($"Stopped dstack server (pid {server.Id}", stop.Output, StringComparison.Ordinal);
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(10)), "the server still runs after `dstack server stop` returned");
        Assert.Equal(0, server.ExitCode); // SIGTERM, so a clean shutdown, not a kill
        Assert.False(File.Exists(Path.Combine(sandbox.Home, "server.json")), "server.json is left after the server stopped");

        var again = await sandbox.DstackAsync("server", "stop");
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("nothing to stop", again.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Web UI at http://localhost:[0-9]+/\?token=[A-Za-z0-9_-]+ ")]
    private static partial Regex LoginLinkRegex();
}
