// Artifact upload and download to local storage against `cp -r` of the same files, in the same run, and the
// incremental sync of mount: true artifacts (1 changed file among 10,000). Local storage moves files by a copy in the
// kernel while another thread hashes them (BLAKE3); "stream" is the same storage seen as any storage (S3's path), where
// one read in this process feeds both the hash and the write.
//
//   dotnet run -c Release --project benchmarks/DataBenchmark -- [MiB] [SyncFiles] [Repeats] [sync]
//
// MiB (default 1024) is the size of each data set: MiB files of 1 MiB, and one file of MiB MiB. Each step runs Repeats
// times (default 5); the best and the median are printed, and the ratios are taken within each round (dstack and cp
// one after the other), so load from elsewhere moves both sides alike. The page cache is warm for both sides alike
// (each side reads what an earlier step wrote). With "sync", every timed step starts with nothing dirty in the page
// cache, so no write-back of an earlier step's files runs beside it.
//
// Every timed step starts right after a ballast file of MiB + 10% was deleted, and writes into the page cache it
// freed. On a VM that hands free memory back to its host (free page reporting, as on this Firecracker machine),
// memory that stayed free for more than a second costs a host page fault per page when it is used again: writing
// 1 GiB into it takes about 4 s instead of 0.5 s. Without the ballast, whichever side happens to follow a deletion
// wins by a factor of up to 8. (A file, not allocated memory: the page cache takes large blocks, which freed
// anonymous memory does not give back in time.)
using System.Diagnostics;
using System.Globalization;
using Dstack.Backends.Local;
using Dstack.Core.Artifacts;
using Dstack.Core.Jobs;
using Dstack.Core.Storage;

var mebibytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1024;
var syncFiles = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
var repeats = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
var syncBeforeSteps = args.Length > 3 && args[3] == "sync";
var ballastBytes = ((long)mebibytes << 20) * 11 / 10;
var work = Directory.CreateTempSubdirectory("dstack-data-bench-");
try
{
    Console.WriteLine($"data benchmark: {mebibytes} MiB per data set, {repeats} rounds, {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    FillBallast();
    await CompareAsync($"{mebibytes} files of 1 MiB", Enumerable.Range(0, mebibytes).Select(i => ($"set/part-{i:D5}.bin", 1L << 20)).ToList());
    await CompareAsync($"1 file of {mebibytes} MiB", [("set/one.bin", (long)mebibytes << 20)]);
    await SyncAsync(syncFiles);
    Console.WriteLine($"load average at the end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    return 0;
}
finally
{
    work.Delete(recursive: true);
}

async Task CompareAsync(string what, IReadOnlyList<(string Path, long Size)> files)
{
    var source = Path.Combine(work.FullName, "source");
    Generate(source, files);
    List<double> upload = [], download = [], copyUp = [], copyDown = [], syncedCopy = [], streamUp = [], streamDown = [];
    List<double> upRatio = [], downRatio = [], streamUpRatio = [], streamDownRatio = [];
    for (var i = 0; i < repeats; i++)
    {
        var storage = new LocalStorage(Path.Combine(work.FullName, "storage"));
        var copy = Path.Combine(work.FullName, "copy");
        copyUp.Add(await StepAsync(() => Run("cp", "-r", Path.Combine(source, "set"), copy), copy));
        syncedCopy.Add(await StepAsync(() => Run("sh", "-c", $"cp -r '{Path.Combine(source, "set")}' '{copy}' && sync"), copy));
        upload.Add(await StepAsync(() => new ArtifactStore(storage).UploadPathsAsync("bench", "main", source, ["set"]), null));
        upRatio.Add(copyUp[^1] / upload[^1]);

        var stored = Path.Combine(storage.Root, "runs", "bench", "artifacts", "main", "files", "set");
        copyDown.Add(await StepAsync(() => Run("cp", "-r", stored, copy), copy));
        var target = Path.Combine(work.FullName, "download");
        download.Add(await StepAsync(() => new ArtifactStore(storage).DownloadAsync("bench", "main", target), target));
        downRatio.Add(copyDown[^1] / download[^1]);
        Directory.Delete(storage.Root, recursive: true);

        var streamed = new StreamOnlyStorage(storage);
        streamUp.Add(await StepAsync(() => new ArtifactStore(streamed).UploadPathsAsync("bench", "main", source, ["set"]), null));
        streamUpRatio.Add(copyUp[^1] / streamUp[^1]);
        streamDown.Add(await StepAsync(() => new ArtifactStore(streamed).DownloadAsync("bench", "main", target), target));
        streamDownRatio.Add(copyDown[^1] / streamDown[^1]);
        Directory.Delete(storage.Root, recursive: true);
    }

    Directory.Delete(source, recursive: true);
    var bytes = files.Sum(f => f.Size);
    Console.WriteLine($"{what} (best / median of {repeats}):");
    Console.WriteLine($"  cp -r            {Figures(copyUp, bytes)}");
    Console.WriteLine($"  cp -r && sync    {Figures(syncedCopy, bytes)}");
    Console.WriteLine($"  dstack upload    {Figures(upload, bytes)}  = {100 * copyUp.Min() / upload.Min():0}% of the best cp -r; per round {Percentages(upRatio)} (BLAKE3 of every byte)");
    Console.WriteLine($"  upload (stream)  {Figures(streamUp, bytes)}  = {100 * copyUp.Min() / streamUp.Min():0}% of the best cp -r; per round {Percentages(streamUpRatio)}");
    Console.WriteLine($"  cp -r (back)     {Figures(copyDown, bytes)}");
    Console.WriteLine($"  dstack download  {Figures(download, bytes)}  = {100 * copyDown.Min() / download.Min():0}% of the best cp -r; per round {Percentages(downRatio)} (BLAKE3 verified)");
    Console.WriteLine($"  download (stream){Figures(streamDown, bytes)}  = {100 * copyDown.Min() / streamDown.Min():0}% of the best cp -r; per round {Percentages(streamDownRatio)}");
}

// Deletes the ballast, times the step (which writes into the page cache freed), deletes what the step wrote (when it
// is not kept), then writes the ballast again, into the pages just freed.
async Task<double> StepAsync<T>(Func<T> step, string? output)
{
    if (syncBeforeSteps)
    {
        // Nothing dirty left for the kernel's write-back threads to flush while the step runs (see the README).
        Run("sync");
    }

    File.Delete(Path.Combine(work.FullName, "ballast"));
    var watch = Stopwatch.StartNew();
    if (step() is Task task)
    {
        await task;
    }

    var seconds = watch.Elapsed.TotalSeconds;
    if (output is not null)
    {
        Directory.Delete(output, recursive: true);
    }

    FillBallast();
    return seconds;
}

void FillBallast()
{
    var block = new byte[4 << 20];
    using var file = File.Create(Path.Combine(work.FullName, "ballast"));
    for (long left = ballastBytes; left > 0; left -= block.Length)
    {
        file.Write(block, 0, (int)Math.Min(left, block.Length));
    }
}

static string Figures(List<double> seconds, long bytes) =>
    $"{seconds.Min(),6:0.00} s / {Median(seconds),6:0.00} s  {bytes / seconds.Min() / (1 << 20),5:0} MiB/s";

static string Percentages(List<double> ratios) =>
    $"median {100 * Median(ratios):0}%, best {100 * ratios.Max():0}% [{string.Join(' ', ratios.Select(r => $"{100 * r:0}"))}]";

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

async Task SyncAsync(int count)
{
    var home = Path.Combine(work.FullName, "home");
    await using var shell = new LocalShell(LocalShell.DirectoryFor(home));
    var storage = new LocalStorage(Path.Combine(work.FullName, "sync-storage"));
    var job = new JobRunner(shell, "bench-sync", "main");
    var folder = Path.Combine(job.CodeDirectory, "ckpt");
    Generate(Path.Combine(job.CodeDirectory), Enumerable.Range(0, count).Select(i => ($"ckpt/d{i % 100:D2}/f{i:D5}.txt", 1024L)).ToList());
    var sync = new MountSync(shell, storage, job, ["ckpt"], null);
    var first = await TimeAsync(() => sync.SyncAsync());
    var unchanged = await TimeAsync(() => sync.SyncAsync());
    var best = double.MaxValue;
    for (var i = 0; i < repeats; i++)
    {
        await File.AppendAllTextAsync(Path.Combine(folder, "d42", "f04242.txt"), $"epoch {i}\n");
        var uploaded = 0;
        best = Math.Min(best, await TimeAsync(async () => uploaded = await sync.SyncAsync()));
        if (uploaded != 1)
        {
            throw new InvalidOperationException($"expected 1 file synced, got {uploaded}");
        }
    }

    Console.WriteLine($"mount sync of {count} files of 1 KiB:");
    Console.WriteLine($"  first sync (all files)   {first,7:0.00} s");
    Console.WriteLine($"  nothing changed          {unchanged,7:0.00} s");
    Console.WriteLine($"  1 file changed           {best,7:0.00} s  (target < 1 s)");
}

static void Generate(string root, IReadOnlyList<(string Path, long Size)> files)
{
    var random = new Random(42);
    var buffer = new byte[1 << 20];
    foreach (var (path, size) in files)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var stream = File.Create(full);
        for (long left = size; left > 0; left -= buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(left, buffer.Length));
        }
    }
}

static async Task<double> TimeAsync<T>(Func<Task<T>> action)
{
    var watch = Stopwatch.StartNew();
    await action();
    return watch.Elapsed.TotalSeconds;
}

static bool Run(string file, params string[] arguments)
{
    using var process = Process.Start(file, arguments);
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}");
    }

    return true;
}
