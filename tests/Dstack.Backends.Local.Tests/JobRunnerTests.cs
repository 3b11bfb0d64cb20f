using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dstack.Core.Archives;
using Dstack.Core.Environments;
using Dstack.Core.Instances;
using Dstack.Core.Jobs;

namespace Dstack.Backends.Local.Tests;

public sealed class JobRunnerTests : IAsyncLifetime
{
    private readonly TestHome _home = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _home.CleanupAsync();

    [Fact]
    public async Task StartAsync_JobPrintsLines_OutputAndExitCodeZero()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("ok-1", "echo one", "echo two >&2", "cat README.md"));

        Assert.True(await runner.StartAsync());
        var exit = await TestHome.ExitCodeAsync(runner);

        Assert.Equal(0, exit);
        Assert.Equal("one\ntwo\nhello\n", await _home.LogAsync(runner));
        Assert.False(await runner.IsRunningAsync());
    }

    [Fact]
    public async Task StartAsync_JobFails_ExitCodeRecorded()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("fail-1", "echo before", "exit 3"));

        await runner.StartAsync();

        Assert.Equal(3, await TestHome.ExitCodeAsync(runner));
    }

    [Fact]
    public async Task GetExitCodeAsync_NotStarted_IsNull()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("idle-1", "true"));

        Assert.Null(await runner.GetExitCodeAsync());
        Assert.False(await runner.IsRunningAsync());
    }

    [Fact]
    public async Task PrepareAsync_Twice_SecondDoesNothing()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("prep-1", "true"));
        using var other = await _home.CodeArchiveAsync(new Dictionary<string, string> { ["other.txt"] = "x" });

        Assert.False(await runner.PrepareAsync(other, "exit 9"));
        Assert.True(File.Exists(Path.Combine(runner.CodeDirectory, "README.md")));
    }

    [Fact]
    public async Task PrepareAsync_ArchiveOverTheInlineLimit_GoesAsAFileAndTheJobRunsTheSame()
    {
        // Random bytes do not compress: the archive is larger than what travels inside the preparation script.
        var data = Convert.ToBase64String(RandomNumberGenerator.GetBytes(JobRunner.InlineArchiveBytes + 4096));
        var files = new Dictionary<string, string> { ["README.md"] = "hello\n", ["data/big.txt"] = data };
        using (var archive = await _home.CodeArchiveAsync(files))
        {
            Assert.True(archive.Length > JobRunner.InlineArchiveBytes);
        }

        var runner = await _home.PrepareAsync(TestHome.Spec("big-1", "cat README.md", "wc -c < data/big.txt"), files);
        await runner.StartAsync();

        Assert.Equal(0, await TestHome.ExitCodeAsync(runner));
        Assert.Equal($"hello\n{data.Length}\n", await _home.LogAsync(runner));
        Assert.Equal(data, await File.ReadAllTextAsync(Path.Combine(runner.CodeDirectory, "data", "big.txt")));
    }

    [Fact]
    public async Task PrepareAndStartAsync_OneCommand_RunsTheJobWithItsSecretsAndASecondCallDoesNothing()
    {
        var shell = new StarterShell(_home.Shell);
        var runner = new JobRunner(shell, "both-1", "main", 1);
        var script = new JobScriptBuilder(shell.DstackDirectory).Build(TestHome.Spec("both-1", "cat README.md", "echo \"token=$TOKEN\""), runner.CodeDirectory, 1);
        using var code = await _home.CodeArchiveAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });

        Assert.True(await runner.PrepareAndStartAsync(code, script, new Dictionary<string, string> { ["TOKEN"] = "s3cret value" }));

        Assert.Single(shell.StarterGroups);
        Assert.Equal(0, await TestHome.ExitCodeAsync(runner));
        Assert.Equal("hello\ntoken=s3cret value\n", await _home.LogAsync(runner));
        Assert.DoesNotContain("s3cret", await File.ReadAllTextAsync(Path.Combine(runner.JobDirectory, "job.sh")), StringComparison.Ordinal);

        // A retried job activity prepares and starts again: the job is neither prepared anew nor run twice.
        using var other = await _home.CodeArchiveAsync(new Dictionary<string, string> { ["other.txt"] = "x" });
        Assert.False(await runner.PrepareAndStartAsync(other, "echo again", null));
        Assert.Equal("hello\ntoken=s3cret value\n", await _home.LogAsync(runner));
        Assert.True(File.Exists(Path.Combine(runner.CodeDirectory, "README.md")));
        Assert.False(File.Exists(Path.Combine(runner.CodeDirectory, "other.txt")));
    }

    [Fact]
    public async Task PrepareAndStartAsync_AfterAStop_TheJobNeverRuns()
    {
        var ran = Path.Combine(_home.Path, "ran");
        var runner = new JobRunner(_home.Shell, "both-stop-1", "main", 1);
        await runner.StopAsync(force: false);
        var script = new JobScriptBuilder(_home.Shell.DstackDirectory).Build(TestHome.Spec("both-stop-1", $"touch '{ran}'"), runner.CodeDirectory, 1);
        using var code = await _home.CodeArchiveAsync(new Dictionary<string, string> { ["README.md"] = "hello\n" });

        Assert.False(await runner.PrepareAndStartAsync(code, script, null));

        Assert.Equal(143, await runner.GetExitCodeAsync());
        Assert.Equal("dstack: stopped before the job started\n", await _home.LogAsync(runner));
        Assert.False(File.Exists(ran));
    }

    [Fact]
    public async Task PrepareAndStartAsync_ArchiveOverTheInlineLimit_PreparesThenStartsInTwoCommands()
    {
        var data = Convert.ToBase64String(RandomNumberGenerator.GetBytes(JobRunner.InlineArchiveBytes + 4096));
        var shell = new StarterShell(_home.Shell);
        var runner = new JobRunner(shell, "both-big-1", "main", 1);
        var script = new JobScriptBuilder(shell.DstackDirectory).Build(TestHome.Spec("both-big-1", "wc -c < data/big.txt"), runner.CodeDirectory, 1);
        using var code = await _home.CodeArchiveAsync(new Dictionary<string, string> { ["data/big.txt"] = data });

        Assert.True(await runner.PrepareAndStartAsync(code, script, null));

        Assert.Equal(2, shell.StarterGroups.Count);
        Assert.Equal(0, await TestHome.ExitCodeAsync(runner));
        Assert.Equal($"{data.Length}\n", await _home.LogAsync(runner));
    }

    [Fact]
    public async Task PrepareAsync_ArchiveNotGzip_FailsWithTheReasonAndMarksNothingPrepared()
    {
        // The largest archive that goes inside the script: bash exits (tar refuses it) while the script is still being written.
        var runner = new JobRunner(_home.Shell, "bad-1", "main");
        using var archive = new MemoryStream(RandomNumberGenerator.GetBytes(JobRunner.InlineArchiveBytes));

        var failure = await Assert.ThrowsAsync<JobException>(() => runner.PrepareAsync(archive, "true"));

        Assert.Contains("preparing the job", failure.Message, StringComparison.Ordinal);
        Assert.Contains("gzip", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(runner.JobDirectory, "prepared")));
        Assert.False(File.Exists(Path.Combine(runner.JobDirectory, "job.sh")));
    }

    [Fact]
    public async Task NextAttempt_SameMachine_StaleRunnerOfTheLastAttemptSeesNothingOfIt()
    {
        // After an interruption the cancelled execute activity of attempt 1 may poll once more, and the new machine may
        // answer at the same address: its runner must not read (nor stop) attempt 2's job.
        var next = await _home.PrepareAsync(TestHome.Spec("spot-1", "echo attempt $DSTACK_ATTEMPT"), attempt: 2);
        await next.StartAsync();
        Assert.Equal(0, await TestHome.ExitCodeAsync(next));
        var stale = new JobRunner(_home.Shell, "spot-1", "main", 1);

        Assert.NotEqual(next.JobDirectory, stale.JobDirectory);
        Assert.Equal(0, (await stale.ReadOutputAsync(0, 1024)).Length);
        Assert.Null(await stale.GetExitCodeAsync());
        await stale.StopAsync(force: true);
        Assert.Equal("attempt 2\n", await _home.LogAsync(next));
        Assert.Equal(new JobRunner(_home.Shell, "spot-1", "main").JobDirectory, stale.JobDirectory);
    }

    [Fact]
    public async Task StartAsync_ConcurrentAndRepeated_StartsOnce()
    {
        var spec = TestHome.Spec("once-1", "echo started >> ../starts.txt");
        var runner = await _home.PrepareAsync(spec);
        var racers = Enumerable.Range(0, 4).Select(_ => new JobRunner(_home.Shell, "once-1", "main")).ToList();

        var started = await Task.WhenAll(racers.Select(r => r.StartAsync()));
        await TestHome.ExitCodeAsync(runner);
        var again = await runner.StartAsync();

        Assert.Equal(1, started.Count(s => s));
        Assert.False(again);
        Assert.Equal(["started"], await File.ReadAllLinesAsync(Path.Combine(runner.JobDirectory, "starts.txt")));
    }

    [Fact]
    public async Task StartAsync_StarterProcessGroupKilled_JobSurvivesAndFinishes()
    {
        var starter = new StarterShell(_home.Shell);
        var runner = await _home.PrepareAsync(
            TestHome.Spec("survive-1", "echo waiting", "while [ ! -f go ]; do sleep 0.05; done", "echo finished"),
            shell: starter);

        Assert.True(await runner.StartAsync());

        // The starter is gone already; SIGKILL its whole process group, as a dying worker's group would be.
        foreach (var group in starter.StarterGroups)
        {
            await _home.Shell.RunAsync($"kill -KILL -- -{group} 2>/dev/null || true");
        }

        Assert.True(await runner.IsRunningAsync());
        Assert.Null(await runner.GetExitCodeAsync());
        await File.WriteAllTextAsync(Path.Combine(runner.CodeDirectory, "go"), string.Empty);

        Assert.Equal(0, await TestHome.ExitCodeAsync(runner));
        Assert.Equal("waiting\nfinished\n", await _home.LogAsync(runner));
    }

    [Fact]
    public async Task StopAsync_Graceful_TerminatesGroupAndWrites143()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("stop-1", "echo up", "sleep 600 & sleep 600"));
        await runner.StartAsync();
        await Eventually.TrueAsync(async () => (await _home.LogAsync(runner)).Contains("up", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "output");

        await runner.StopAsync(force: false, TimeSpan.FromSeconds(5));

        Assert.Equal(143, await runner.GetExitCodeAsync());
        Assert.False(await runner.IsRunningAsync());
    }

    [Fact]
    public async Task StopAsync_GracefulButJobIgnoresTerm_KilledAfterGrace()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("stubborn-1", "trap '' TERM", "echo up", "while true; do sleep 0.1; done"));
        await runner.StartAsync();
        await Eventually.TrueAsync(async () => (await _home.LogAsync(runner)).Contains("up", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "output");

        await runner.StopAsync(force: false, TimeSpan.FromMilliseconds(500));

        Assert.Equal(137, await runner.GetExitCodeAsync());
    }

    [Fact]
    public async Task StopAsync_Force_KillsAndWrites137()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("kill-1", "sleep 600"));
        await runner.StartAsync();

        await runner.StopAsync(force: true);

        Assert.Equal(137, await runner.GetExitCodeAsync());
        Assert.False(await runner.IsRunningAsync());
    }

    [Fact]
    public async Task StopAsync_BeforeTheJobIsPreparedAndStarted_TheJobNeverRunsAndGetsTheStopsExitCode()
    {
        // A stop that reaches the machine while the job activity is still preparing it: nothing there yet to stop.
        var ran = Path.Combine(_home.Path, "ran");
        await new JobRunner(_home.Shell, "early-stop-1", "main", 1).StopAsync(force: false);
        var runner = await _home.PrepareAsync(TestHome.Spec("early-stop-1", $"touch '{ran}'"));

        Assert.False(await runner.StartAsync());

        Assert.Equal(143, await runner.GetExitCodeAsync());
        Assert.Equal("dstack: stopped before the job started\n", await _home.LogAsync(runner));
        Assert.False(File.Exists(ran));
        await runner.CleanupAsync();
        Assert.False(Directory.Exists(runner.JobDirectory));
    }

    [Fact]
    public async Task StopAsync_ForcedBeforeTheStart_TheJobNeverRunsAndGets137()
    {
        var ran = Path.Combine(_home.Path, "ran");
        var runner = await _home.PrepareAsync(TestHome.Spec("early-kill-1", $"touch '{ran}'"));

        await runner.StopAsync(force: true);

        Assert.False(await runner.StartAsync());
        Assert.Equal(137, await runner.GetExitCodeAsync());
        Assert.False(File.Exists(ran));
    }

    [Fact]
    public async Task Follow_WhileTheJobRuns_SeesEachLineAsItComesAndThenTheExitCode()
    {
        var go = Path.Combine(_home.Path, "go-follow-1");
        var runner = await _home.PrepareAsync(TestHome.Spec("follow-1", "echo one", $"while [ ! -e '{go}' ]; do sleep 0.05; done", "echo two", "exit 4"));
        await runner.StartAsync();
        await using var follower = runner.Follow();

        await Eventually.TrueAsync(async () => (await follower.ReadOutputAsync(0, 1024)).Length > 0, TimeSpan.FromSeconds(30), "the first line");
        Assert.Equal("one\n", Encoding.UTF8.GetString((await follower.ReadOutputAsync(0, 1024)).Span));
        Assert.Null(await follower.GetExitCodeAsync());
        Assert.Equal(0, (await follower.ReadOutputAsync(4, 1024)).Length);

        await File.WriteAllTextAsync(go, string.Empty);

        Assert.Equal(4, await Eventually.ValueAsync(() => follower.GetExitCodeAsync(), TimeSpan.FromSeconds(30), "the exit code"));
        Assert.Equal("two\n", Encoding.UTF8.GetString((await follower.ReadOutputAsync(4, 1024)).Span));
    }

    [Fact]
    public async Task WaitForExit_WhileTheJobRuns_TimesOutAndOnceItEndsReturnsWithTheExitCodeWritten()
    {
        var go = Path.Combine(_home.Path, "go-wait-1");
        var runner = await _home.PrepareAsync(TestHome.Spec("wait-1", $"while [ ! -e '{go}' ]; do sleep 0.05; done", "exit 6"));
        await runner.StartAsync();
        await using var follower = runner.Follow();

        Assert.Equal(LockWait.TimedOut, await follower.WaitForExitAsync(TimeSpan.FromMilliseconds(200)));
        var waiting = follower.WaitForExitAsync(TimeSpan.FromMinutes(5));
        await File.WriteAllTextAsync(go, string.Empty);

        Assert.Equal(LockWait.Unlocked, await waiting);
        Assert.Equal(6, await follower.GetExitCodeAsync());
        Assert.Equal(LockWait.Unavailable, await _home.Shell.WaitForUnlockAsync(Path.Combine(_home.Path, "no-such-folder", "job.lock"), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task WaitForExit_JobNotStarted_UnavailableAndTheLockIsNotCreated()
    {
        // Creating job.lock is the start's claim: a wait that created it would keep the job from ever starting.
        var runner = await _home.PrepareAsync(TestHome.Spec("unstarted-1", "true"));
        await using var follower = runner.Follow();

        Assert.Equal(LockWait.Unavailable, await follower.WaitForExitAsync(TimeSpan.FromSeconds(5)));

        Assert.False(File.Exists(Path.Combine(runner.JobDirectory, "job.lock")));
        Assert.True(await runner.StartAsync());
    }

    [Fact]
    public async Task ExitWatch_PauseOfAnHour_EndsWhenTheJobEnds()
    {
        var go = Path.Combine(_home.Path, "go-watch-1");
        var runner = await _home.PrepareAsync(TestHome.Spec("watch-1", $"while [ ! -e '{go}' ]; do sleep 0.05; done"));
        await runner.StartAsync();
        await using var follower = runner.Follow();
        await using var watch = new JobExitWatch();

        var pause = watch.PauseAsync(follower, TimeSpan.FromHours(1), CancellationToken.None);
        Assert.True(watch.Waking);
        Assert.True(watch.HeldUp);
        Assert.False(pause.IsCompleted);
        await File.WriteAllTextAsync(go, string.Empty);

        await pause.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.False(watch.HeldUp);
        Assert.Equal(0, await follower.GetExitCodeAsync());
    }

    [Fact]
    public async Task ExitWatch_LockFreeButNoExitCode_PausesPlainlyFromThenOn()
    {
        // A job started by a dstack whose wrapper took no lock: the lock is free from the start and means nothing.
        var runner = await _home.PrepareAsync(TestHome.Spec("nolock-1", "true"));
        await File.WriteAllTextAsync(Path.Combine(runner.JobDirectory, "job.lock"), string.Empty);
        await using var follower = runner.Follow();
        await using var watch = new JobExitWatch();

        await watch.PauseAsync(follower, TimeSpan.FromHours(1), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Null(await follower.GetExitCodeAsync());
        var second = watch.PauseAsync(follower, TimeSpan.FromMilliseconds(10), CancellationToken.None);

        Assert.False(watch.Waking);
        await second;
    }

    [Fact]
    public async Task ReadOutputAsync_InPieces_EqualsWhole()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("read-1", "for i in $(seq 1 2000); do echo \"line $i ünï\"; done"));
        await runner.StartAsync();
        await TestHome.ExitCodeAsync(runner);

        var pieces = new List<byte>();
        long offset = 0;
        while (true)
        {
            var piece = await runner.ReadOutputAsync(offset, 777);
            if (piece.IsEmpty)
            {
                break;
            }

            pieces.AddRange(piece.ToArray());
            offset += piece.Length;
        }

        var expected = string.Concat(Enumerable.Range(1, 2000).Select(i => $"line {i} ünï\n"));
        Assert.Equal(expected, Encoding.UTF8.GetString(pieces.ToArray()));
        Assert.Equal(await File.ReadAllBytesAsync(runner.LogPath), pieces.ToArray());
    }

    [Fact]
    public async Task PackArtifactsAsync_ExistingAndMissing_PacksExistingReportsMissing()
    {
        var spec = TestHome.Spec("art-1", "mkdir -p out/sub", "echo weights > out/sub/model.bin", "echo m > metrics.json") with { WorkingDir = "work" };
        var runner = await _home.PrepareAsync(spec, new Dictionary<string, string> { ["work/.keep"] = string.Empty });
        await runner.StartAsync();
        Assert.Equal(0, await TestHome.ExitCodeAsync(runner));

        var packed = await runner.PackArtifactsAsync(["out", "metrics.json", "missing/dir"], "work");
        using var archive = new MemoryStream();
        await _home.Shell.DownloadAsync(packed.ArchivePath, archive);
        archive.Position = 0;
        var target = Path.Combine(_home.Path, "downloaded");
        await SafeExtractor.ExtractAsync(archive, target);

        Assert.Equal(["out", "metrics.json"], packed.Included);
        Assert.Equal(["missing/dir"], packed.Missing);
        Assert.Equal("weights\n", await File.ReadAllTextAsync(Path.Combine(target, "out", "sub", "model.bin")));
        Assert.Equal("m\n", await File.ReadAllTextAsync(Path.Combine(target, "metrics.json")));
    }

    [Fact]
    public async Task ListArtifactFilesAsync_ForDirectUploads_ReportsModificationTimeAndExecutableBit()
    {
        // With S3 storage the instance uploads its files itself and this list is all the index learns of them.
        var spec = TestHome.Spec(
            "art-3",
            "mkdir -p 'out/my bin'",
            "echo weights > out/model.bin",
            "touch -d '2024-05-06 07:08:09.25 UTC' out/model.bin",
            "printf '#!/bin/sh\\n' > 'out/my bin/predict'",
            "chmod 755 'out/my bin/predict'") with { WorkingDir = "work" };
        var runner = await _home.PrepareAsync(spec, new Dictionary<string, string> { ["work/.keep"] = string.Empty });
        await runner.StartAsync();
        Assert.Equal(0, await TestHome.ExitCodeAsync(runner));

        var files = await runner.ListArtifactFilesAsync(["out"], "work");

        var model = files.Single(f => f.Path == "out/model.bin");
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, 250, TimeSpan.Zero), model.ModifiedAt);
        Assert.False(model.Executable);
        Assert.Equal(8, model.Size);
        var tool = files.Single(f => f.Path == "out/my bin/predict");
        Assert.True(tool.Executable);
        Assert.Equal(64, tool.Sha256?.Length); // the instance hashes with sha256sum
    }

    [Fact]
    public async Task PackArtifactsAsync_PathLeavingWorkingDir_Throws()
    {
        var runner = new JobRunner(_home.Shell, "art-2", "main");

        await Assert.ThrowsAsync<ArgumentException>(() => runner.PackArtifactsAsync(["../secrets"], null));
    }

    [Fact]
    public async Task CleanupAsync_RemovesJobFolder()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("clean-1", "true"));
        await runner.StartAsync();
        await TestHome.ExitCodeAsync(runner);

        await runner.CleanupAsync();

        Assert.False(Directory.Exists(runner.JobDirectory));
    }

    [Fact]
    public async Task CleanupAsync_JobStillRunning_KillsItsGroupWaitsForTheWrapperAndRemovesTheFolder()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("clean-2", "echo up", "sleep 600 & sleep 600"));
        await runner.StartAsync();
        await Eventually.TrueAsync(async () => (await _home.LogAsync(runner)).Contains("up", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "output");
        var group = int.Parse(await File.ReadAllTextAsync(Path.Combine(runner.JobDirectory, "job.pid")), CultureInfo.InvariantCulture);
        var wrapper = int.Parse(await File.ReadAllTextAsync(Path.Combine(runner.JobDirectory, "wrapper.pid")), CultureInfo.InvariantCulture);

        await runner.CleanupAsync();

        Assert.False(Directory.Exists(runner.JobDirectory));
        await Eventually.TrueAsync(async () => !await AliveAsync($"-- -{group}"), TimeSpan.FromSeconds(10), "the job's process group gone");
        await Eventually.TrueAsync(async () => !await AliveAsync($"{wrapper}"), TimeSpan.FromSeconds(10), "the wrapper gone");
        Assert.False(Directory.Exists(runner.JobDirectory));
    }

    [Fact]
    public async Task CleanupAsync_JobEndedLeavingABackgroundProcess_KillsIt()
    {
        var runner = await _home.PrepareAsync(TestHome.Spec("clean-3", "sleep 600 &", "echo left"));
        await runner.StartAsync();
        Assert.Equal(0, await TestHome.ExitCodeAsync(runner));
        var group = int.Parse(await File.ReadAllTextAsync(Path.Combine(runner.JobDirectory, "job.pid")), CultureInfo.InvariantCulture);
        Assert.True(await AliveAsync($"-- -{group}"));

        await runner.CleanupAsync();

        Assert.False(Directory.Exists(runner.JobDirectory));
        await Eventually.TrueAsync(async () => !await AliveAsync($"-- -{group}"), TimeSpan.FromSeconds(10), "the job's leftover process gone");
    }

    [Fact]
    public void Constructor_NameWithPathCharacters_Throws()
    {
        Assert.Throws<ArgumentException>(() => new JobRunner(_home.Shell, "../evil", "main"));
        Assert.Throws<ArgumentException>(() => new JobRunner(_home.Shell, "run", "a b"));
    }

    /// <summary>Whether <c>kill -0</c> reaches the process (or, with "-- -N", the process group); a zombie still counts.</summary>
    private async Task<bool> AliveAsync(string target) =>
        (await _home.Shell.RunAsync($"kill -0 {target} 2>/dev/null")).Succeeded;
}
