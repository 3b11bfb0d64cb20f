// Log throughput over SSH: a job on a host prints 100 MB; dstack follows its output by offset (the execute activity's
// loop: SFTP reads of up to 4 MiB, the exit code read only when the output runs dry) into a local file. Beside it, `ssh host cat` of the same log, the plain-OpenSSH floor.
//
//   dotnet run -c Release --project benchmarks/SshBenchmark -- HOST KEY [MB]
//
// HOST is root@ADDRESS of a host that accepts the private key KEY (see benchmarks/README.md for a network-namespace host).
using System.Diagnostics;
using System.Globalization;
using Dstack.Backends.Ssh;
using Dstack.Core.Backends;
using Dstack.Core.Jobs;
using Dstack.Core.Runs;
using Dstack.Core.Settings;
using Microsoft.Extensions.DependencyInjection;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: SshBenchmark USER@ADDRESS KEY [MB]");
    return 2;
}

var at = args[0].IndexOf('@', StringComparison.Ordinal);
var (user, address) = (args[0][..at], args[0][(at + 1)..]);
var key = Path.GetFullPath(args[1]);
var megabytes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
var home = Directory.CreateTempSubdirectory("dstack-ssh-bench-").FullName;
var remoteDir = "/tmp/dstack-ssh-bench-host";
const int Chunk = 4 * 1024 * 1024; // as the execute activity reads

await using var provider = new ServiceCollection()
    .AddSshBackend(new SshBackendSettings([new SshHostSettings(address, 22, user, key, remoteDir)]), home)
    .BuildServiceProvider();
var backend = provider.GetRequiredService<IBackend>();
var offer = (await backend.GetOffersAsync(ResourceRequest.None)).Offers.Single();
var instance = await backend.ProvisionAsync(new ProvisionRequest(offer, "bench-1", "run"));
await using var shell = await backend.ConnectAsync(instance);
var job = new JobRunner(shell, "bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "main");
var total = megabytes * 1024L * 1024;
var code = Path.Combine(home, "code.tar.gz");
using (var tar = Process.Start("tar", ["-czf", code, "-T", "/dev/null"]))
{
    await tar.WaitForExitAsync();
}

await using (var archive = File.OpenRead(code))
{
    // 100-byte lines, like a chatty training log.
    await job.PrepareAsync(archive, $"yes '{new string('x', 99)}' | head -c {total}\n");
}

// 1. Following the output while the job writes it, as the execute activity does.
var local = Path.Combine(home, "job.log");
var watch = Stopwatch.StartNew();
await job.StartAsync();
long offset = 0;
await using (var file = File.Create(local))
{
    var exited = false;
    while (true)
    {
        var chunk = await job.ReadOutputAsync(offset, Chunk);
        if (chunk.Length > 0)
        {
            await file.WriteAsync(chunk);
            offset += chunk.Length;
            continue;
        }

        if (exited)
        {
            break;
        }

        // The exit code is read only when the output has run dry, and then the output once more.
        exited = await job.GetExitCodeAsync() is not null;
        if (!exited)
        {
            await Task.Delay(20);
        }
    }
}

var follow = watch.Elapsed;
if (offset != total)
{
    Console.Error.WriteLine($"followed {offset} bytes, expected {total}");
    return 1;
}

// 2. Reading the finished log again from offset 0 (no job competing for the CPU).
watch.Restart();
offset = 0;
while ((await job.ReadOutputAsync(offset, Chunk)) is { Length: > 0 } again)
{
    offset += again.Length;
}

var reread = watch.Elapsed;
if (offset != total)
{
    Console.Error.WriteLine($"read back {offset} bytes, expected {total}");
    return 1;
}

// 3. OpenSSH: `ssh host cat job.log`, output discarded.
watch.Restart();
var ssh = new ProcessStartInfo("ssh") { RedirectStandardOutput = true, UseShellExecute = false };
foreach (var arg in new[] { "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", args[0], "cat", job.LogPath })
{
    ssh.ArgumentList.Add(arg);
}

long catBytes;
using (var process = Process.Start(ssh)!)
{
    var sink = new CountingSink();
    await process.StandardOutput.BaseStream.CopyToAsync(sink);
    await process.WaitForExitAsync();
    catBytes = sink.Length;
}

var cat = watch.Elapsed;
await job.CleanupAsync();
await backend.ReleaseAsync(instance);
Directory.Delete(home, recursive: true);

static string Rate(long bytes, TimeSpan time) => (bytes / 1024.0 / 1024 / time.TotalSeconds).ToString("0", CultureInfo.InvariantCulture) + " MB/s";
Console.WriteLine($"job printing {megabytes} MB, followed by offset: {follow.TotalSeconds:0.00} s ({Rate(total, follow)})");
Console.WriteLine($"finished log read again by offset (SFTP, 4 MiB reads): {reread.TotalSeconds:0.00} s ({Rate(total, reread)})");
Console.WriteLine($"ssh host cat of the same log ({catBytes} bytes): {cat.TotalSeconds:0.00} s ({Rate(catBytes, cat)})");
return 0;

/// <summary>A stream that only counts what is written to it.</summary>
internal sealed class CountingSink : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Position;

    public override long Position { get; set; }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Position += count;

    public override void Write(ReadOnlySpan<byte> buffer) => Position += buffer.Length;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Position += buffer.Length;
        return ValueTask.CompletedTask;
    }
}
