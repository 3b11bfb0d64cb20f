using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using Dstack.Benchmarks.Run;

// `dstack run` of a one-line job with the server warm, beside the same command run by bash, in one run; then the setup
// time of a Python environment with requirements on the first run and on a second run that reuses it.
// Usage: RunBenchmark [repetitions] [path/to/dstack] (default: the dstack built beside this benchmark)
var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
var root = Directory.CreateTempSubdirectory("dstack-run-benchmark-");
var home = Directory.CreateDirectory(Path.Combine(root.FullName, "home")).FullName;
var repo = Directory.CreateDirectory(Path.Combine(root.FullName, "repo")).FullName;
var wheels = Directory.CreateDirectory(Path.Combine(root.FullName, "wheels")).FullName;
var port = FreePort.Next();
var dstack = args.Length > 1 ? Path.GetFullPath(args[1]) : Path.Combine(AppContext.BaseDirectory, "dstack");
Console.WriteLine($"dstack: {dstack}");
var environment = new Dictionary<string, string>
{
    ["DSTACK_HOME"] = home,
    ["DSTACK_TEMPORAL_ADDRESS"] = $"127.0.0.1:{port}",
    ["PIP_NO_INDEX"] = "1",
    ["PIP_FIND_LINKS"] = wheels,
    ["NO_COLOR"] = "1",
};

Directory.CreateDirectory(Path.Combine(repo, ".dstack"));
await File.WriteAllTextAsync(Path.Combine(repo, ".dstack", "workflows.yaml"), """
    workflows:
      - name: one
        provider: bash
        commands:
          - echo benchmark-line
      - name: py
        provider: bash
        python: 3.11
        commands:
          - python -c "print('benchmark-line')"
      - name: reqs
        provider: bash
        python: 3.11
        requirements: requirements.txt
        commands:
          - python -c "import benchdemo; print('benchmark-line', benchdemo.VALUE)"
    """);
await File.WriteAllTextAsync(Path.Combine(repo, "requirements.txt"), "benchdemo\n");
WriteWheel(wheels);
await GitAsync(repo, "init", "-q", "-b", "main");
await GitAsync(repo, "add", "-A");
await GitAsync(repo, "-c", "user.email=bench@dstack", "-c", "user.name=bench", "commit", "-q", "-m", "bench");

var serverInfo = new ProcessStartInfo(dstack) { ArgumentList = { "server" }, RedirectStandardOutput = true, WorkingDirectory = repo };
foreach (var (key, value) in environment)
{
    serverInfo.Environment[key] = value;
}

using var server = Process.Start(serverInfo)!;
try
{
    await server.StandardOutput.ReadLineAsync();
    string[] run = ["run", "one"];

    // Warm-up: the first run pays for JIT in the server and the worker.
    await Timed.RunAsync(dstack, run, repo, environment, "benchmark-line");
    var dstackRuns = new List<Timed>();
    var bashRuns = new List<Timed>();
    for (var i = 0; i < repetitions; i++)
    {
        dstackRuns.Add(await Timed.RunAsync(dstack, run, repo, environment, "benchmark-line"));
        bashRuns.Add(await Timed.RunAsync("bash", ["-c", "echo benchmark-line"], repo, environment, "benchmark-line"));
    }

    Console.WriteLine(FormattableString.Invariant($"one-line job, {repetitions} runs each, server warm (median):"));
    Console.WriteLine(FormattableString.Invariant($"  dstack run   total {Median(dstackRuns, t => t.TotalMs),7:F0} ms   first line {Median(dstackRuns, t => t.FirstLineMs),7:F0} ms"));
    Console.WriteLine(FormattableString.Invariant($"  bash -c      total {Median(bashRuns, t => t.TotalMs),7:F1} ms   first line {Median(bashRuns, t => t.FirstLineMs),7:F1} ms"));

    // Environment setup: the same job with and without python+requirements; the difference is the setup.
    await Timed.RunAsync(dstack, ["run", "py"], repo, environment, "benchmark-line");
    var first = await Timed.RunAsync(dstack, ["run", "reqs"], repo, environment, "benchmark-line");
    var cached = new List<Timed>();
    var plain = new List<Timed>();
    for (var i = 0; i < 5; i++)
    {
        cached.Add(await Timed.RunAsync(dstack, ["run", "reqs"], repo, environment, "benchmark-line"));
        plain.Add(await Timed.RunAsync(dstack, ["run", "py"], repo, environment, "benchmark-line"));
    }

    var baseline = Median(plain, t => t.TotalMs);
    var firstSetup = first.TotalMs - baseline;
    var secondRun = Median(cached, t => t.TotalMs);

    // Reused, the environment costs a check of its recipe: the difference is within the runs' noise and can be negative.
    var secondSetup = secondRun - baseline;
    Console.WriteLine("python 3.11 + requirements (virtualenv, pip from a local wheel folder):");
    Console.WriteLine(FormattableString.Invariant($"  first run setup  {firstSetup,7:F0} ms   (run {first.TotalMs:F0} ms − same job without requirements {baseline:F0} ms)"));
    Console.WriteLine(FormattableString.Invariant($"  second run setup {secondSetup,7:F0} ms   (run {secondRun:F0} ms − {baseline:F0} ms; {Math.Max(0, secondSetup) / firstSetup * 100:F1}% of the first)"));
}
finally
{
    server.Kill(entireProcessTree: true);
    await server.WaitForExitAsync();
    root.Delete(recursive: true);
}

static double Median(List<Timed> runs, Func<Timed, double> value)
{
    var sorted = runs.Select(value).Order().ToList();
    return sorted[sorted.Count / 2];
}

static async Task GitAsync(string repo, params string[] args)
{
    using var git = Process.Start(new ProcessStartInfo("git", args) { WorkingDirectory = repo })!;
    await git.WaitForExitAsync();
}

static void WriteWheel(string folder)
{
    using var zip = ZipFile.Open(Path.Combine(folder, "benchdemo-1.0-py3-none-any.whl"), ZipArchiveMode.Create);
    void Add(string name, string content)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(content);
    }

    Add("benchdemo/__init__.py", "VALUE = 1\n");
    Add("benchdemo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: benchdemo\nVersion: 1.0\n");
    Add("benchdemo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
    Add("benchdemo-1.0.dist-info/RECORD", "benchdemo/__init__.py,,\nbenchdemo-1.0.dist-info/METADATA,,\nbenchdemo-1.0.dist-info/WHEEL,,\nbenchdemo-1.0.dist-info/RECORD,,\n");
}
