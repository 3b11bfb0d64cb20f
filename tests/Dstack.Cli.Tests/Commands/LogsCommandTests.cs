using System.Text;
using Dstack.Core.Runs;
using Dstack.Core.Storage;

namespace Dstack.Cli.Tests.Commands;

public sealed class LogsCommandTests
{
    private const string Job = StorageLayout.MainJob;

    [Fact]
    public async Task Logs_OverlappingChunks_PrintsEachByteOnce()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("calm-cat-1", RunStatus.Done, TimeSpan.FromMinutes(1));
        await home.Logs.AppendAsync("calm-cat-1", Job, 0, Encoding.UTF8.GetBytes("line 1\nline 2\n"));

        // A retried attempt re-wrote from offset 7 ("line 2\n") and went on.
        await home.Logs.AppendAsync("calm-cat-1", Job, 7, Encoding.UTF8.GetBytes("line 2\nline 3 ✓\n"));

        var (exitCode, output) = await home.RunAsync("logs", "calm-cat-1");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal("line 1\nline 2\nline 3 ✓\n", output);
    }

    [Fact]
    public async Task Logs_Since_PrintsOnlyOutputWrittenInThatPeriod()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("calm-cat-2", RunStatus.Done, TimeSpan.FromHours(3));
        await home.Logs.AppendAsync("calm-cat-2", Job, 0, Encoding.UTF8.GetBytes("old line\n"));
        await home.Logs.AppendAsync("calm-cat-2", Job, 9, Encoding.UTF8.GetBytes("new line\n"));
        var oldChunk = Path.Combine(home.Storage.Root, StorageLayout.LogChunk("calm-cat-2", Job, 0));
        File.SetLastWriteTimeUtc(oldChunk, DateTime.UtcNow - TimeSpan.FromHours(2));

        var (lastHour, recent) = await home.RunAsync("logs", "calm-cat-2", "--since", "1h");
        var (threeHours, all) = await home.RunAsync("logs", "calm-cat-2", "--since", "3h");
        var (badExit, bad) = await home.RunAsync("logs", "calm-cat-2", "--since", "yesterday-ish");
        var (hugeExit, huge) = await home.RunAsync("logs", "calm-cat-2", "--since", "99999999999w");

        Assert.Equal(ExitCodes.Ok, lastHour);
        Assert.Equal("new line\n", recent);
        Assert.Equal(ExitCodes.Ok, threeHours);
        Assert.Equal("old line\nnew line\n", all);
        Assert.Equal(ExitCodes.ConfigOrUsage, badExit);
        Assert.Contains("--since yesterday-ish: expected a period like 30s", bad, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.ConfigOrUsage, hugeExit);
        Assert.Contains("--since 99999999999w: expected a period", huge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_UnknownRun_FailsWithExitOne()
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync("logs", "no-such-run");

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("run no-such-run not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsFollow_RunFinishesWhileFollowing_PrintsEverythingAndExits()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        var watched = new WatchedStorage(home.Storage, StorageLayout.LogPrefix("calm-cat-1", Job));
        home.CommandStorage = watched;
        var manifest = await home.AddRunAsync("calm-cat-1", RunStatus.Running, TimeSpan.FromMinutes(1));

        // "é" is split across the two chunks: the follower must not print half a character.
        var first = Encoding.UTF8.GetBytes("epoch 1\ncaf");
        var second = Encoding.UTF8.GetBytes("é\nepoch 2\n");
        byte[] chunk = [.. first, second[0]];
        await home.Logs.AppendAsync("calm-cat-1", Job, 0, chunk);

        var following = Task.Run(() => home.RunAsync("logs", "calm-cat-1", "--follow"));

        // Two reads of the log mean it read, waited and read again: it is following, not done.
        await Eventually.TrueAsync(() => watched.Listings >= 2, TimeSpan.FromSeconds(10));
        Assert.False(following.IsCompleted);
        await home.Logs.AppendAsync("calm-cat-1", Job, first.Length + 1, second.AsMemory(1));
        await home.Manifests.WriteAsync(manifest with { Status = RunStatus.Done, FinishedAt = DateTimeOffset.UtcNow });

        var (exitCode, output) = await following.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal("epoch 1\ncafé\nepoch 2\n", output);
    }

    [Fact]
    public async Task Logs_RunStillGoingWithoutFollow_PrintsWhatIsStoredAndExits()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("calm-cat-1", RunStatus.Running, TimeSpan.FromMinutes(1));
        await home.Logs.AppendAsync("calm-cat-1", Job, 0, Encoding.UTF8.GetBytes("so far\n"));

        var (exitCode, output) = await home.RunAsync("logs", "calm-cat-1");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Equal("so far\n", output);
    }
}
