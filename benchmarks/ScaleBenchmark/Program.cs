using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Dstack.Benchmarks.Scale;
using Dstack.Workflows;
using Dstack.Workflows.Queue;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;
using Temporalio.Client;

// Many runs at once: RUNS runs of a SECONDS-second job (a log line a second) submitted by CLIENTS parallel `dstack run -d`
// to one `dstack server` with HOSTS SSH hosts in network namespaces, BLOCKS slots each. Every job waits for a "go" file
// that is written once every run was accepted, so the runs are all in at once: the first hold every slot, the rest queue. Prints the submission rate, slot
// utilisation against the ideal, the gap between a slot freeing and the next run starting there, the server's (and its
// worker's) CPU per run and peak memory, history events per run, and checks every run done with its whole log.
// Usage (as root, as the ssh tests): ScaleBenchmark [runs=500] [hosts=8] [blocks=8] [seconds=5] [clients=8]
var runs = Arg(0, 500);
var hostCount = Arg(1, 8);
var blocks = Arg(2, 8);
var seconds = Arg(3, 5);
var clients = Arg(4, 8);
if (NetworkHosts.Unavailable() is { } why)
{
    Console.Error.WriteLine($"cannot make the SSH hosts: {why}");
    return 2;
}

var root = Directory.CreateTempSubdirectory("dstack-scale-benchmark-");
var home = Directory.CreateDirectory(Path.Combine(root.FullName, "home")).FullName;
var repo = Directory.CreateDirectory(Path.Combine(root.FullName, "repo")).FullName;
var marks = Directory.CreateDirectory(Path.Combine(root.FullName, "marks")).FullName;
var go = Path.Combine(root.FullName, "go");
var address = $"127.0.0.1:{FreePort.Next()}";
// SCALE_DSTACK measures another dstack executable: the published one the README installs (ReadyToRun) instead of this build's.
var dstack = Environment.GetEnvironmentVariable("SCALE_DSTACK") is { Length: > 0 } installed ? installed : Path.Combine(AppContext.BaseDirectory, "dstack");
var environment = new Dictionary<string, string> { ["DSTACK_HOME"] = home, ["DSTACK_TEMPORAL_ADDRESS"] = address, ["NO_COLOR"] = "1" };
var hosts = NetworkHosts.WithHosts(hostCount);
Process? server = null;
try
{
    await hosts.InitializeAsync();
    Console.WriteLine(FormattableString.Invariant($"{runs} runs of a {seconds} s job, {hostCount} SSH hosts × {blocks} blocks = {hostCount * blocks} slots, {clients} clients; load before {LoadAverage()}"));
    await File.WriteAllTextAsync(Path.Combine(home, "config.yml"), "backends:\n  - type: ssh\n    hosts:\n" + string.Concat(hosts.Hosts.Select(h => FormattableString.Invariant($"""
              - host: {h.Address}
                user: root
                identity_file: {hosts.UserKey}
                dstack_dir: {h.DstackDirectory}
                blocks: {blocks}

        """))));
    Directory.CreateDirectory(Path.Combine(repo, ".dstack"));
    await File.WriteAllTextAsync(Path.Combine(repo, ".dstack", "workflows.yaml"), FormattableString.Invariant($$$"""
        workflows:
          - name: scale
            provider: bash
            commands:
              - 'while [ ! -f {{{go}}} ]; do sleep 0.5; done'
              - 'echo "start $(date +%s.%N)" >> {{{marks}}}/${{ run.name }}'
              - 'for i in $(seq 1 {{{seconds}}}); do echo "line $i"; sleep 1; done'
              - 'echo "end $(date +%s.%N)" >> {{{marks}}}/${{ run.name }}'
            retry:
              on_events: [no-capacity]
              duration: 6h
        """));
    await RunAsync("git", ["init", "-q", "-b", "main"], repo);
    await RunAsync("git", ["add", "-A"], repo);
    await RunAsync("git", ["-c", "user.email=bench@dstack", "-c", "user.name=bench", "commit", "-q", "-m", "scale"], repo);

    server = Start(dstack, ["server"], repo, environment, redirect: true);
    var ready = await server.StandardOutput.ReadLineAsync();
    if (ready?.Contains("dstack server is running", StringComparison.Ordinal) != true)
    {
        Console.Error.WriteLine($"dstack server did not start: {ready}");
        return 1;
    }

    _ = server.StandardOutput.ReadToEndAsync();
    _ = server.StandardError.ReadToEndAsync();
    var meter = new ProcessMeter(server.Id);
    var cpuBefore = meter.CpuSeconds();
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            meter.Sample();
            await Task.Delay(500, CancellationToken.None);
        }
    });

    // Submission: CLIENTS parallel `dstack run -d`, each taking the next run until RUNS were accepted.
    var names = new List<string>();
    var submitted = 0;
    var submitting = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
    {
        while (Interlocked.Increment(ref submitted) <= runs)
        {
            var output = await RunAsync(dstack, ["run", "scale", "-d", "--json"], repo, environment);
            using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            lock (names)
            {
                names.Add(json.RootElement.GetProperty("run").GetString()!);
            }
        }
    }));
    submitting.Stop();
    var submissionLoad = LoadAverage();

    // Every run is in: the first jobs, which hold every slot, begin their work now, and the rest wait in the queue.
    await Eventually.TrueAsync(() => Directory.GetFiles(Path.Combine(home, "storage", "runs"), "manifest.json", SearchOption.AllDirectories).Length == runs, TimeSpan.FromMinutes(5), "every run's manifest");
    var submissionCpu = meter.CpuSeconds() - cpuBefore;
    var submissionRss = meter.Sample();
    cpuBefore = meter.CpuSeconds();
    var machineBefore = MachineMeter.BusySeconds();
    var stolenBefore = MachineMeter.StolenSeconds();
    var wallBefore = Stopwatch.GetTimestamp();
    var goAt = DateTimeOffset.UtcNow;
    await File.WriteAllTextAsync(go, "go");

    // Every run finished: its workflow closed (a run writes its last manifest before it gives its block back).
    var client = await TemporalClient.ConnectAsync(new(address)
    {
        ApiKey = (await File.ReadAllTextAsync(Path.Combine(home, "server.key"))).Trim(),
        DataConverter = DstackDataConverter.Instance,
        Tls = new TlsOptions { Disabled = true },
    });
    var finishing = Stopwatch.StartNew();
    while (await CountOpenRunsAsync(client) > 0)
    {
        if (finishing.Elapsed > TimeSpan.FromSeconds(runs * seconds * 2.0 / (hostCount * blocks) + 600))
        {
            Console.Error.WriteLine("runs still open long past the ideal time; giving up");
            return 1;
        }

        await Task.Delay(1000);
    }

    var cpu = meter.CpuSeconds() - cpuBefore;
    var machine = MachineMeter.BusySeconds() - machineBefore;
    var stolen = MachineMeter.StolenSeconds() - stolenBefore;
    var wall = Stopwatch.GetElapsedTime(wallBefore).TotalSeconds;
    await sampling.CancelAsync();
    await sampler;
    var endLoad = LoadAverage();

    // Each run: done, every log line, its job's start and end (marks), its slot taken and given back (the manifest's attempt).
    var jobStarts = new List<(string Host, DateTimeOffset At)>();
    var taken = new List<(string Host, DateTimeOffset At)>();
    var freed = new List<(string Host, DateTimeOffset At)>();
    var jobEndToFreed = new List<double>();
    var jobEnds = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
    var busy = 0.0;
    var (firstStart, lastEnd) = (double.MaxValue, double.MinValue);
    var problems = new List<string>();
    foreach (var name in names)
    {
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(home, "storage", "runs", name, "manifest.json")));
        var status = manifest.RootElement.GetProperty("status").GetString();
        if (!string.Equals(status, "done", StringComparison.OrdinalIgnoreCase))
        {
            var description = await client.GetWorkflowHandle(name).DescribeAsync();
            var history = await client.GetWorkflowHandle(name).FetchHistoryAsync();
            var last = string.Join(" | ", history.Events.TakeLast(4).Select(e => e.EventType.ToString()));
            var failed = history.Events.LastOrDefault(e => e.WorkflowExecutionFailedEventAttributes is not null)?.WorkflowExecutionFailedEventAttributes.Failure;
            problems.Add($"{name}: {status} in its manifest; in Temporal {description.Status} ({history.Events.Count} events, last: {last}){(failed is null ? string.Empty : $": {failed.Message} / {failed.Cause?.Message} / {failed.Cause?.Cause?.Message}")}");
            continue;
        }

        var log = string.Concat(Directory.GetFiles(Path.Combine(home, "storage", "runs", name, "logs", "main")).Order(StringComparer.Ordinal).Select(File.ReadAllText));
        var lines = log.Split('\n').Where(l => l.StartsWith("line ", StringComparison.Ordinal)).ToList();
        if (!lines.SequenceEqual(Enumerable.Range(1, seconds).Select(i => $"line {i}")))
        {
            problems.Add($"{name}: log has {lines.Count} of {seconds} lines");
        }

        var mark = (await File.ReadAllLinesAsync(Path.Combine(marks, name))).Select(l => l.Split(' ')).ToList();
        if (mark.Count != 2)
        {
            problems.Add($"{name}: its job started {mark.Count(m => m[0] == "start")} times");
            continue;
        }

        var (start, end) = (double.Parse(mark[0][1], CultureInfo.InvariantCulture), double.Parse(mark[1][1], CultureInfo.InvariantCulture));
        (firstStart, lastEnd, busy) = (Math.Min(firstStart, start), Math.Max(lastEnd, end), busy + end - start);
        var attempt = manifest.RootElement.GetProperty("attempts").EnumerateArray().Single();
        var host = attempt.GetProperty("instanceType").GetString()!;
        jobStarts.Add((host, DateTimeOffset.FromUnixTimeMilliseconds((long)(start * 1000))));
        taken.Add((host, attempt.GetProperty("startedAt").GetDateTimeOffset()));
        freed.Add((host, attempt.GetProperty("endedAt").GetDateTimeOffset()));
        jobEnds[name] = DateTimeOffset.FromUnixTimeMilliseconds((long)(end * 1000));
        jobEndToFreed.Add((attempt.GetProperty("endedAt").GetDateTimeOffset() - DateTimeOffset.FromUnixTimeMilliseconds((long)(end * 1000))).TotalSeconds);
    }

    var events = new List<double>();
    var steps = new ActivitySteps();
    foreach (var name in names)
    {
        var history = await client.GetWorkflowHandle(name).FetchHistoryAsync();
        events.Add(history.Events.Count);
        if (jobEnds.TryGetValue(name, out var jobEnd))
        {
            steps.Add(history, jobEnd);
            if (Environment.GetEnvironmentVariable("SCALE_HISTORY_DUMP") is { } dump && name == names[^1])
            {
                await File.WriteAllLinesAsync(dump, history.Events.Select(e => FormattableString.Invariant($"{(new DateTimeOffset(e.EventTime.ToDateTime()) - jobEnd).TotalSeconds,8:F3} {e.EventType} {e.ActivityTaskScheduledEventAttributes?.ActivityType.Name}{e.MarkerRecordedEventAttributes?.MarkerName}{e.SignalExternalWorkflowExecutionInitiatedEventAttributes?.SignalName}{e.WorkflowExecutionSignaledEventAttributes?.SignalName}")));
            }
        }
    }

    // The queue's own account: what it was told, whom it woke, which wakes failed, how often it looked.
    var queueEvents = new List<HistoryEvent>();
    await foreach (var execution in client.ListWorkflowsAsync($"WorkflowType = '{CapacityQueueWorkflow.Name}'"))
    {
        queueEvents.AddRange((await client.GetWorkflowHandle(execution.Id, execution.RunId).FetchHistoryAsync()).Events);
    }

    queueEvents.Sort((a, b) => a.EventTime.ToDateTime().CompareTo(b.EventTime.ToDateTime()));
    if (Environment.GetEnvironmentVariable("SCALE_HISTORY_DUMP") is { } queueDump)
    {
        await File.WriteAllLinesAsync(queueDump + ".queue", queueEvents.Select(e => FormattableString.Invariant($"{(new DateTimeOffset(e.EventTime.ToDateTime()) - goAt).TotalSeconds,8:F3} {e.EventType} {e.WorkflowExecutionSignaledEventAttributes?.SignalName}{e.SignalExternalWorkflowExecutionInitiatedEventAttributes?.WorkflowExecution.WorkflowId}{e.SignalExternalWorkflowExecutionFailedEventAttributes?.WorkflowExecution.WorkflowId}")));
    }

    var slots = hostCount * blocks;
    var span = lastEnd - firstStart;
    var ideal = (double)runs * seconds / slots;
    var frees = freed.ToLookup(f => f.Host, f => f.At);
    var toTaken = SlotGaps.Measure(frees, taken.ToLookup(t => t.Host, t => t.At), blocks);
    var takenSeconds = toTaken.Select(g => g.Seconds).ToList();
    var toJob = SlotGaps.Measure(frees, jobStarts.ToLookup(t => t.Host, t => t.At), blocks).Select(g => g.Seconds).ToList();
    Console.WriteLine(FormattableString.Invariant($"submission: {runs} runs accepted in {submitting.Elapsed.TotalSeconds:F1} s = {runs / submitting.Elapsed.TotalSeconds:F1} runs/s ({clients} clients; load {submissionLoad})"));
    Console.WriteLine(FormattableString.Invariant($"first job start to last job end: {span:F1} s; ideal {runs} × {seconds} s / {slots} slots = {ideal:F1} s ({ideal / span * 100:F1}% of ideal)"));
    Console.WriteLine(FormattableString.Invariant($"slot utilisation: {busy:F0} busy slot-s / {slots * span:F0} available slot-s = {busy / (slots * span) * 100:F1}%"));
    Console.WriteLine(FormattableString.Invariant($"job's last line → its slot freed (exit seen, logs closed, released): p50 {Percentiles.Of(jobEndToFreed, 50):F2} s, p99 {Percentiles.Of(jobEndToFreed, 99):F2} s"));
    Console.WriteLine(FormattableString.Invariant($"slot freed → next run's slot taken: p50 {Percentiles.Of(takenSeconds, 50):F2} s, p99 {Percentiles.Of(takenSeconds, 99):F2} s ({toTaken.Count} gaps)"));
    Console.WriteLine(FormattableString.Invariant($"slot freed → next run's job started: p50 {Percentiles.Of(toJob, 50):F2} s, p99 {Percentiles.Of(toJob, 99):F2} s"));
    Console.WriteLine(FormattableString.Invariant($"server + worker (one process), submission: CPU {submissionCpu:F1} s = {submissionCpu / runs * 1000:F0} ms per run; RSS with {runs} runs in flight {submissionRss / 1024.0 / 1024:F0} MB"));
    Console.WriteLine(FormattableString.Invariant($"server + worker, from go to the last run closed: CPU {cpu:F1} s = {cpu / runs * 1000:F0} ms per run; peak RSS {meter.PeakRss / 1024.0 / 1024:F0} MB"));
    Console.WriteLine(FormattableString.Invariant($"whole machine, from go to the last run closed: {machine:F1} CPU-s busy of {wall * Environment.ProcessorCount:F1} ({wall:F1} s × {Environment.ProcessorCount} cores, {machine / (wall * Environment.ProcessorCount) * 100:F0}%, of which {stolen:F1} s taken by the VM's host); server + worker {cpu / machine * 100:F0}% of it, the rest (hosts' sshd, SFTP and jobs, the kernel) {(machine - cpu - stolen) / runs * 1000:F0} ms per run"));
    Console.WriteLine(FormattableString.Invariant($"history events per run: mean {events.Average():F1}, p99 {Percentiles.Of(events, 99):F0}; capacity queue: {queueEvents.Count} events ({(double)queueEvents.Count / runs:F1} per run)"));
    int Signals(string name) => queueEvents.Count(e => e.WorkflowExecutionSignaledEventAttributes?.SignalName == name);
    Console.WriteLine(FormattableString.Invariant($"capacity queue: {queueEvents.Count(e => e.EventType == EventType.WorkflowExecutionStarted)} executions; joins {Signals(CapacityQueueWorkflow.JoinSignal)}, leaves {Signals(CapacityQueueWorkflow.LeaveSignal)}, frees {Signals(CapacityQueueWorkflow.FreedSignal)}; wakes sent {queueEvents.Count(e => e.SignalExternalWorkflowExecutionInitiatedEventAttributes is not null)}, failed {queueEvents.Count(e => e.SignalExternalWorkflowExecutionFailedEventAttributes is not null)}; looks {queueEvents.Count(e => e.EventType == EventType.TimerFired)}"));
    foreach (var gap in toTaken.OrderByDescending(g => g.Seconds).Take(5))
    {
        Console.WriteLine(FormattableString.Invariant($"  a long gap: {gap.Host}, a slot freed {(gap.Freed - goAt).TotalSeconds:F1} s after go, taken {gap.Seconds:F1} s later"));
    }
    Console.WriteLine("activities, p50 seconds from the job's last line (scheduled, started, completed):");
    foreach (var line in steps.Describe())
    {
        Console.WriteLine($"  {line}");
    }

    Console.WriteLine(FormattableString.Invariant($"runs done with every log line and one start: {runs - problems.Count} of {runs}; load at the end {endLoad}"));
    foreach (var problem in problems.Take(20))
    {
        Console.WriteLine($"  {problem}");
    }

    return problems.Count == 0 ? 0 : 1;
}
finally
{
    if (server is { HasExited: false })
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }

    await hosts.DisposeAsync();
    root.Delete(recursive: true);
}

int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

static async Task<int> CountOpenRunsAsync(TemporalClient client)
{
    var open = 0;
    await foreach (var _ in client.ListWorkflowsAsync($"WorkflowType = '{RunWorkflow.Name}' AND ExecutionStatus = 'Running'"))
    {
        open++;
    }

    return open;
}

static Process Start(string file, IReadOnlyList<string> args, string directory, IReadOnlyDictionary<string, string> environment, bool redirect)
{
    var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = redirect, RedirectStandardError = redirect, UseShellExecute = false };
    foreach (var arg in args)
    {
        info.ArgumentList.Add(arg);
    }

    foreach (var (key, value) in environment)
    {
        info.Environment[key] = value;
    }

    return Process.Start(info)!;
}

static async Task<string> RunAsync(string file, IReadOnlyList<string> args, string directory, IReadOnlyDictionary<string, string>? environment = null)
{
    using var process = Start(file, args, directory, environment ?? new Dictionary<string, string>(), redirect: true);
    var output = process.StandardOutput.ReadToEndAsync();
    var errors = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    return process.ExitCode == 0
        ? await output
        : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await output}{await errors}");
}
