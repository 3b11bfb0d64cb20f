using System.Diagnostics;
using System.Globalization;
using Dstack.Benchmarks.TemporalServer;
using Temporalio.Client;
using Temporalio.Worker;

// Workflows that each run one activity, started by one SDK client and executed by one SDK worker, against the
// embedded server in its own process: first in memory, then persistent (SQLite, as `dstack server` runs by default),
// in one run so the two figures are comparable. Usage: TemporalServerBenchmark [workflows] [concurrency] [modes]
// where modes is "both" (default), "memory" or "persistent".
var total = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
var modes = (args.Length > 2 ? args[2] : "both") switch
{
    "memory" => new[] { false },
    "persistent" => [true],
    _ => [false, true],
};
const int Warmup = 200;

var throughputs = new Dictionary<bool, double>();
foreach (var persistent in modes)
{
    var directory = persistent ? Directory.CreateTempSubdirectory("dstack-benchmark-").FullName : null;
    try
    {
        Console.WriteLine(persistent ? $"== persistent (SQLite, WAL, {directory}/temporal.db)" : "== in memory");
        throughputs[persistent] = await MeasureAsync(directory is null ? null : Path.Combine(directory, "temporal.db"));
    }
    finally
    {
        if (directory is not null)
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

if (throughputs.Count == 2)
{
    Console.WriteLine(FormattableString.Invariant($"persistent / in-memory throughput: {throughputs[true] / throughputs[false] * 100:F0}%"));
}

async Task<double> MeasureAsync(string? database)
{
    // BENCHMARK_SERVER_PID/ADDRESS: measure a server started by hand (e.g. under dotnet-trace) instead of a fresh one.
    using var server = ServerProcess.Start(Environment.GetEnvironmentVariable("BENCHMARK_SERVER_ADDRESS"), Environment.GetEnvironmentVariable("BENCHMARK_SERVER_PID"), database);
    var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(server.Address));
    var queue = "benchmark";
    using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue)
    {
        MaxConcurrentWorkflowTasks = 200,
        MaxConcurrentActivities = 200,
    }.AddWorkflow<BenchmarkWorkflow>().AddActivity(BenchmarkActivities.Echo));
    using var stop = new CancellationTokenSource();
    var running = worker.ExecuteAsync(stop.Token);

    await RunAsync(client, queue, "warmup", Warmup, concurrency);
    var cpuBefore = server.CpuTime();
    var ownCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var latencies = await RunAsync(client, queue, "run", total, concurrency);
    clock.Stop();
    var cpu = server.CpuTime() - cpuBefore;
    var ownCpu = Process.GetCurrentProcess().TotalProcessorTime - ownCpuBefore;

    latencies.Sort();
    var throughput = total / clock.Elapsed.TotalSeconds;
    double Percentile(double p) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
    var rss = server.ResidentBytes();
    Console.WriteLine(FormattableString.Invariant($"workflows           {total} (+{Warmup} warm-up), {concurrency} in flight"));
    Console.WriteLine(FormattableString.Invariant($"wall time           {clock.Elapsed.TotalSeconds:F2} s"));
    Console.WriteLine(FormattableString.Invariant($"throughput          {throughput:F0} workflows/s"));
    Console.WriteLine(FormattableString.Invariant($"latency p50         {Percentile(0.50):F1} ms (start to result)"));
    Console.WriteLine(FormattableString.Invariant($"latency p99         {Percentile(0.99):F1} ms"));
    Console.WriteLine(FormattableString.Invariant($"server CPU          {cpu.TotalSeconds:F2} s ({cpu.TotalSeconds / clock.Elapsed.TotalSeconds * 100:F0}% of one core)"));
    Console.WriteLine(FormattableString.Invariant($"client+worker CPU   {ownCpu.TotalSeconds:F2} s ({ownCpu.TotalSeconds / clock.Elapsed.TotalSeconds * 100:F0}% of one core)"));
    Console.WriteLine(FormattableString.Invariant($"server RSS          {rss / 1024.0 / 1024.0:F0} MB after {total + Warmup} closed workflows"));
    if (database is not null)
    {
        var size = new[] { database, database + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        Console.WriteLine(FormattableString.Invariant($"database size       {size / 1024.0 / 1024.0:F0} MB (file and write-ahead log)"));
    }

    // Latency at lower load: what a few concurrent `dstack run`s see, without queueing behind 200 others.
    foreach (var inFlight in new[] { 1, 8 })
    {
        var lightClock = Stopwatch.StartNew();
        var light = await RunAsync(client, queue, $"light{inFlight}", 1000, inFlight);
        var lightRate = light.Count / lightClock.Elapsed.TotalSeconds;
        light.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"{inFlight,2} in flight         p50 {light[light.Count / 2]:F1} ms, p99 {light[(int)(light.Count * 0.99) - 1]:F1} ms, {lightRate:F0} workflows/s"));
    }

    await stop.CancelAsync();
    try
    {
        await running;
    }
    catch (OperationCanceledException)
    {
    }

    return throughput;
}

static async Task<List<double>> RunAsync(TemporalClient client, string queue, string prefix, int count, int concurrency)
{
    var latencies = new List<double>(count);
    using var gate = new SemaphoreSlim(concurrency);
    var tasks = Enumerable.Range(0, count).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            var result = await client.ExecuteWorkflowAsync(
                (BenchmarkWorkflow wf) => wf.RunAsync("x"),
                new WorkflowOptions($"{prefix}-{i}-{Guid.NewGuid()}", queue));
            if (result != "x")
            {
                throw new InvalidOperationException("wrong result");
            }

            lock (latencies)
            {
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        finally
        {
            gate.Release();
        }
    });
    await Task.WhenAll(tasks);
    return latencies;
}
