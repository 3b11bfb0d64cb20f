using System.Security.Cryptography;
using System.Text;
using Dstack.Core.Instances;

namespace Dstack.Backends.Ssh.Tests;

[Collection(HostsCollection.Name)]
public sealed class SshShellTests(NetworkHosts hosts) : IDisposable
{
    private readonly TestSession _session = new(hosts);

    public void Dispose() => _session.Dispose();

    [SshFact]
    public async Task OpenAsync_ConfiguredFolder_CreatedAndAbsolute()
    {
        var shell = await _session.ShellAsync(0);

        Assert.Equal(hosts.Hosts[0].DstackDirectory, shell.DstackDirectory);
        Assert.True(Directory.Exists(hosts.Hosts[0].DstackDirectory));
    }

    [SshFact]
    public async Task RunAsync_ScriptWithQuotes_RunsOnTheHostWithOutputAndExitCode()
    {
        var shell = await _session.ShellAsync(0);

        var result = await shell.RunAsync("""
            echo "it's $(hostname -I | tr -d ' ')"
            echo 'to stderr' >&2
            exit 7
            """);

        Assert.Equal(7, result.ExitCode);
        Assert.Equal($"it's {hosts.Hosts[0].Address}\n", result.Stdout);
        Assert.Equal("to stderr\n", result.Stderr);
    }

    [SshFact]
    public async Task RunAsync_ScriptsThatExitBeforeTheirEnd_EachReturnsItsCodeOnOneConnection()
    {
        var shell = await _session.ShellAsync(0);

        // 'exit' ends bash before our end of file reaches the host: sshd must not see it arrive on a channel it freed.
        var codes = new List<int>();
        for (var i = 0; i < 200; i++)
        {
            codes.Add((await shell.RunAsync($"exit {i % 7}\n" + (i % 2 == 0 ? "echo never\n" : new string('#', 100_000)))).ExitCode);
        }

        Assert.Equal(Enumerable.Range(0, 200).Select(i => i % 7), codes);
    }

    [SshFact]
    public async Task RunAsync_MoreScriptsAtOnceThanTheHostAllowsSessions_AllRun()
    {
        var shell = await _session.ShellAsync(0);

        // OpenSSH allows 10 sessions per connection; the rest wait for one instead of failing.
        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => shell.RunAsync($"sleep 0.3; echo {i}")));

        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"{i}\n"), results.Select(r => r.Stdout));
        Assert.All(results, r => Assert.Equal(0, r.ExitCode));
    }

    [SshFact]
    public async Task UploadAsync_ThenDownloadAsync_SameBytes()
    {
        var shell = await _session.ShellAsync(1);
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var path = shell.DstackDirectory + "/files/deep/data.bin";

        await shell.UploadAsync(new MemoryStream(bytes), path);
        using var copy = new MemoryStream();
        await shell.DownloadAsync(path, copy);

        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(copy.ToArray()));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [SshFact]
    public async Task UploadAsync_ExistingFile_Replaced()
    {
        var shell = await _session.ShellAsync(1);
        var path = shell.DstackDirectory + "/files/again/a/b/data.txt";

        await shell.UploadAsync(new MemoryStream(Encoding.ASCII.GetBytes("first, and longer")), path);
        await shell.UploadAsync(new MemoryStream(Encoding.ASCII.GetBytes("second")), path);

        Assert.Equal("second", await File.ReadAllTextAsync(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!, "*", new EnumerationOptions { AttributesToSkip = 0 }));
    }

    [SshFact]
    public async Task UploadAsync_SourceFailsMidway_NoPartialOrTemporaryFileLeft()
    {
        var shell = await _session.ShellAsync(1);
        var path = shell.DstackDirectory + "/files/broken/data.bin";

        await Assert.ThrowsAnyAsync<Exception>(() => shell.UploadAsync(new FailingStream(1024 * 1024), path));

        var folder = Path.GetDirectoryName(path)!;
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }));
    }

    [SshFact]
    public async Task ReadAsync_AtOffset_ReadsFromThereAndZeroWhenMissing()
    {
        var shell = await _session.ShellAsync(0);
        var path = shell.DstackDirectory + "/read.txt";
        await shell.UploadAsync(new MemoryStream(Encoding.ASCII.GetBytes("0123456789")), path);
        var buffer = new byte[100];

        var read = await shell.ReadAsync(path, 4, buffer);

        Assert.Equal("456789", Encoding.ASCII.GetString(buffer, 0, read));
        Assert.Equal(0, await shell.ReadAsync(path, 10, buffer));
        Assert.Equal(0, await shell.ReadAsync(shell.DstackDirectory + "/missing.txt", 0, buffer));
    }

    [SshFact]
    public async Task Follow_FileMissingThenWrittenThenGrowing_ReadsEachAddition()
    {
        var shell = await _session.ShellAsync(0);
        var path = shell.DstackDirectory + "/followed.txt";
        var buffer = new byte[100];
        await using var followed = shell.Follow(path);

        Assert.Equal(0, await followed.ReadAsync(0, buffer));
        await shell.UploadAsync(new MemoryStream(Encoding.ASCII.GetBytes("abc")), path);
        Assert.Equal("abc", Encoding.ASCII.GetString(buffer, 0, await followed.ReadAsync(0, buffer)));
        Assert.Equal(0, await followed.ReadAsync(3, buffer));

        // Past the end once, on the handle kept open: what is appended after is seen.
        await shell.RunAsync($"printf def >> {ShellQuoting.Quote(path)}");
        Assert.Equal("def", Encoding.ASCII.GetString(buffer, 0, await followed.ReadAsync(3, buffer)));
        Assert.Equal("bcdef", Encoding.ASCII.GetString(buffer, 0, await followed.ReadAsync(1, buffer)));
    }

    [SshFact]
    public async Task Follow_LinkCutThenRestored_UnreachableThenReadsOnTheNewConnection()
    {
        var host = hosts.Hosts[2];
        var shell = await _session.ShellAsync(2);
        var path = shell.DstackDirectory + "/followed-cut.txt";
        await shell.UploadAsync(new MemoryStream(Encoding.ASCII.GetBytes("abc")), path);
        var buffer = new byte[100];
        await using var followed = shell.Follow(path);
        Assert.Equal(3, await followed.ReadAsync(0, buffer));

        await hosts.CutAsync(host);
        try
        {
            await Assert.ThrowsAsync<InstanceUnreachableException>(() => followed.ReadAsync(3, buffer));
        }
        finally
        {
            await hosts.RestoreAsync(host);
        }

        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    return (await shell.RunAsync($"printf def >> {ShellQuoting.Quote(path)}")).ExitCode == 0;
                }
                catch (InstanceUnreachableException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "the host to answer again");
        Assert.Equal("def", Encoding.ASCII.GetString(buffer, 0, await followed.ReadAsync(3, buffer)));
    }

    [SshFact]
    public async Task JobRunner_OverSsh_StartsDetachedOnceAndRecordsOutputAndExitCode()
    {
        var shell = await _session.ShellAsync(0);
        var job = await _session.PrepareJobAsync(shell, "ssh-ok-1", "cd code\ncat README.md\nfor i in 1 2 3; do echo \"line $i\"; done\nexit 5\n");

        Assert.True(await job.StartAsync());
        Assert.False(await job.StartAsync());
        var exit = await Eventually.ValueAsync(() => job.GetExitCodeAsync(), TimeSpan.FromSeconds(30), "the exit code");

        Assert.Equal(5, exit);
        var output = await job.ReadOutputAsync(0, 1024 * 1024);
        Assert.Equal("hello\nline 1\nline 2\nline 3\n", Encoding.UTF8.GetString(output.Span));
        await job.CleanupAsync();
        Assert.False(Directory.Exists(job.JobDirectory));
    }

    [SshFact]
    public async Task WaitForExit_OverSsh_OnItsOwnConnection_ReturnsOnceTheJobEnded()
    {
        var shell = await _session.ShellAsync(0);
        var go = Path.Combine(shell.DstackDirectory, "go-ssh-wait-1");
        var job = await _session.PrepareJobAsync(shell, "ssh-wait-1", $"while [ ! -e '{go}' ]; do sleep 0.05; done\nexit 6\n");
        await job.StartAsync();
        await using var follower = job.Follow();
        Assert.Equal(LockWait.TimedOut, await follower.WaitForExitAsync(TimeSpan.FromMilliseconds(300)));

        // More waits than the waiting connection has sessions: the ones over say so at once, and scripts still run.
        var waits = Enumerable.Range(0, SshConnection.MaxSessions + 2).Select(_ => follower.WaitForExitAsync(TimeSpan.FromMinutes(5))).ToList();
        await Eventually.TrueAsync(() => Task.FromResult(waits.Count(w => w.IsCompleted) == 2), TimeSpan.FromSeconds(30), "the waits over the sessions to come back");
        foreach (var over in waits.Where(w => w.IsCompleted).ToList())
        {
            Assert.Equal(LockWait.Unavailable, await over);
        }

        Assert.Equal("ok\n", (await shell.RunAsync("echo ok")).Stdout);
        await File.WriteAllTextAsync(go, string.Empty);

        Assert.Equal(SshConnection.MaxSessions, (await Task.WhenAll(waits)).Count(r => r == LockWait.Unlocked));
        Assert.Equal(6, await follower.GetExitCodeAsync());
        Assert.Equal(LockWait.Unavailable, await shell.WaitForUnlockAsync(shell.DstackDirectory + "/no-such-folder/job.lock", TimeSpan.FromSeconds(5)));
    }

    [SshFact]
    public async Task PrepareAsync_ArchiveNotGzip_OverSsh_FailsWithTheReasonAndTheConnectionStaysUsable()
    {
        // The script carries the archive; bash exits when tar refuses it and reads the rest of its input away on exit.
        var shell = await _session.ShellAsync(1);
        var job = new Core.Jobs.JobRunner(shell, "ssh-bad-1", "main");
        using var archive = new MemoryStream(RandomNumberGenerator.GetBytes(256 * 1024));

        var failure = await Assert.ThrowsAsync<Core.Jobs.JobException>(() => job.PrepareAsync(archive, "true"));

        Assert.Contains("gzip", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(job.JobDirectory, "prepared")));
        Assert.Equal("ok\n", (await shell.RunAsync("echo ok")).Stdout);
    }

    [SshFact]
    public async Task JobRunner_ConnectionClosed_JobSurvivesAndStopEndsIt()
    {
        var shell = await _session.ShellAsync(1);
        var job = await _session.PrepareJobAsync(shell, "ssh-long-1", "for i in $(seq 1 600); do echo \"tick $i\"; sleep 0.1; done\n");
        await job.StartAsync();

        // A new pool: the connections that started the job are gone, as after a worker crash.
        _session.Pool.Dispose();
        using var other = new TestSession(hosts);
        var again = new Core.Jobs.JobRunner(await other.ShellAsync(1), "ssh-long-1", "main");
        await Eventually.TrueAsync(async () => (await again.ReadOutputAsync(0, 4096)).Length > 20, TimeSpan.FromSeconds(20), "ticks after reconnecting");
        Assert.True(await again.IsRunningAsync());

        await again.StopAsync(force: false, TimeSpan.FromSeconds(5));

        Assert.Equal(143, await again.GetExitCodeAsync());
        Assert.False(await again.IsRunningAsync());
        await again.CleanupAsync();
    }

    [SshFact]
    public async Task ReadAsync_LinkCutThenRestored_UnreachableThenReconnectsAndJobFinished()
    {
        var host = hosts.Hosts[2];
        var shell = await _session.ShellAsync(2);
        var job = await _session.PrepareJobAsync(shell, "ssh-cut-1", "for i in $(seq 1 40); do echo \"line $i\"; sleep 0.1; done\n");
        await job.StartAsync();

        await hosts.CutAsync(host);
        try
        {
            await Assert.ThrowsAsync<InstanceUnreachableException>(() => job.ReadOutputAsync(0, 1024));
            await Assert.ThrowsAsync<InstanceUnreachableException>(() => job.GetExitCodeAsync());
        }
        finally
        {
            await hosts.RestoreAsync(host);
        }

        var exit = await Eventually.ValueAsync(
            async () =>
            {
                try
                {
                    return await job.GetExitCodeAsync();
                }
                catch (InstanceUnreachableException)
                {
                    return null;
                }
            },
            TimeSpan.FromSeconds(30),
            "the exit code after the link came back");
        Assert.Equal(0, exit);
        var lines = Encoding.UTF8.GetString((await job.ReadOutputAsync(0, 1024 * 1024)).Span).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => $"line {i}"), lines);
        await job.CleanupAsync();
    }

    /// <summary>A source that gives <c>length</c> bytes and then fails, as a disk error or a cancelled producer would.</summary>
    private sealed class FailingStream(int length) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= length)
            {
                throw new IOException("the source failed");
            }

            var n = Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
