// Artifact upload and download to local storage against `cp -r` of the same files, in the same run, and the
// incremental sync of mount: true artifacts (1 changed file among 10,000).
//
//   dotnet run -c Release --project benchmarks/DataBenchmark -- [MiB] [SyncFiles]
//
// MiB (default 1024) is the size of each data set: MiB files of 1 MiB, and one file of MiB MiB. Every figure is the
// best of three. The page cache is warm for both sides alike (each side reads what the previous step wrote).
using System.Diagnostics;
using System.Globalization;
using Dstack.Backends.Local;
using Dstack.Core.Artifacts;
using Dstack.Core.Jobs;
using Dstack.Core.Storage;

var mebibytes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1024;
var syncFiles = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
const int Repeats = 3;
var work = Directory.CreateTempSubdirectory("dstack-data-bench-");
try
{
    Console.WriteLine($"data benchmark: {mebibytes} MiB per data set, best of {Repeats}, {Environment.ProcessorCount} cores");
    await CompareAsync($"{mebibytes} files of 1 MiB", Enumerable.Range(0, mebibytes).Select(i => ($"set/part-{i:D5}.bin", 1L << 20)).ToList());
    await CompareAsync($"1 file of {mebibytes} MiB", [("set/one.bin", (long)mebibytes << 20)]);
    await SyncAsync(syncFiles);
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
    double upload = double.MaxValue, download = double.MaxValue, copyUp = double.MaxValue, copyDown = double.MaxValue, syncedCopy = double.MaxValue;
    for (var i = 0; i < Repeats; i++)
    {
        var storage = new LocalStorage(Path.Combine(work.FullName, "storage"));
        var copy = Path.Combine(work.FullName, "copy");
        copyUp = Math.Min(copyUp, Time(() => Run("cp", "-r", Path.Combine(source, "set"), copy)));
        Directory.Delete(copy, recursive: true);
        syncedCopy = Math.Min(syncedCopy, Time(() => Run("sh", "-c", $"cp -r '{Path.Combine(source, "set")}' '{copy}' && sync")));
        Directory.Delete(copy, recursive: true);
        upload = Math.Min(upload, await TimeAsync(() => new ArtifactStore(storage).UploadPathsAsync("bench", "main", source, ["set"])));

        var stored = Path.Combine(storage.Root, "runs", "bench", "artifacts", "main", "files", "set");
        copyDown = Math.Min(copyDown, Time(() => Run("cp", "-r", stored, copy)));
        Directory.Delete(copy, recursive: true);
        var target = Path.Combine(work.FullName, "download");
        download = Math.Min(download, await TimeAsync(() => new ArtifactStore(storage).DownloadAsync("bench", "main", target)));
        Directory.Delete(target, recursive: true);
        Directory.Delete(storage.Root, recursive: true);
    }

    Directory.Delete(source, recursive: true);
    var bytes = files.Sum(f => f.Size);
    Console.WriteLine($"{what}:");
    Console.WriteLine($"  cp -r            {copyUp,7:0.00} s  {Rate(bytes, copyUp)}");
    Console.WriteLine($"  cp -r && sync    {syncedCopy,7:0.00} s  {Rate(bytes, syncedCopy)}");
    Console.WriteLine($"  dstack upload    {upload,7:0.00} s  {Rate(bytes, upload)}  = {100 * copyUp / upload:0}% of cp -r, {100 * syncedCopy / upload:0}% of cp -r && sync (sha256 of every byte, fsync per file)");
    Console.WriteLine($"  cp -r (back)     {copyDown,7:0.00} s  {Rate(bytes, copyDown)}");
    Console.WriteLine($"  dstack download  {download,7:0.00} s  {Rate(bytes, download)}  = {100 * copyDown / download:0}% of cp -r (sha256 verified)");
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
    for (var i = 0; i < Repeats; i++)
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

static double Time(Action action)
{
    var watch = Stopwatch.StartNew();
    action();
    return watch.Elapsed.TotalSeconds;
}

static async Task<double> TimeAsync<T>(Func<Task<T>> action)
{
    var watch = Stopwatch.StartNew();
    await action();
    return watch.Elapsed.TotalSeconds;
}

static void Run(string file, params string[] arguments)
{
    using var process = Process.Start(file, arguments);
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}");
    }
}

static string Rate(long bytes, double seconds) => $"{bytes / seconds / (1 << 20),7:0} MiB/s";
