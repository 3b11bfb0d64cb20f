using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

// Spot interruption to detection on the aws backend: real `dstack server` and `dstack run` processes, the real AWSSDK.EC2
// client against the tests' EC2 emulator, whose instances are network-namespace hosts with sshd and a metadata service.
// Each round runs a spot job, then interrupts its instance as AWS does (spot/instance-action appears in the metadata
// service and the spot request is marked for termination, the notice time before the instance goes), and measures from
// the notice appearing to the moment the run's workflow has it (the attempt's interruptedAt: the workflow task that
// received the watch's notice), and to the attempt's end (last sync and the instance released).
// Usage (as root): InterruptionBenchmark [rounds] [notice seconds]   (default 5 rounds, a 120 s notice as on EC2)
var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var notice = TimeSpan.FromSeconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 120);
if (Ec2Emulator.Unavailable() is { } why)
{
    Console.Error.WriteLine($"The EC2 emulator cannot run here: {why}");
    return 2;
}

var root = Directory.CreateTempSubdirectory("dstack-interruption-benchmark-");
var home = Directory.CreateDirectory(Path.Combine(root.FullName, "home")).FullName;
var repo = Directory.CreateDirectory(Path.Combine(root.FullName, "repo")).FullName;
var dstack = Path.Combine(AppContext.BaseDirectory, "dstack");
var hosts = NetworkHosts.WithHosts(0);
Ec2Emulator? emulator = null;
Process? server = null;
try
{
    await hosts.InitializeAsync();
    emulator = new Ec2Emulator(hosts);
    await emulator.StartAsync();
    var environment = new Dictionary<string, string>
    {
        ["DSTACK_HOME"] = home,
        ["DSTACK_TEMPORAL_ADDRESS"] = $"127.0.0.1:{FreePort.Next()}",
        ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE",
        ["AWS_SECRET_ACCESS_KEY"] = "secret",
        ["NO_COLOR"] = "1",
    };
    await File.WriteAllTextAsync(Path.Combine(home, "config.yml"), $"""
        backends:
          - type: aws
            regions: [us-east-1, us-west-2]
            endpoint: {emulator.Endpoint}
            ssh_user: root

        """);

    // An interruption ends the run (interruption is not retried), so each round starts from a quiet machine.
    Directory.CreateDirectory(Path.Combine(repo, ".dstack"));
    await File.WriteAllTextAsync(Path.Combine(repo, ".dstack", "workflows.yaml"), """
        workflows:
          - name: spot
            provider: bash
            commands:
              - echo "job started"
              - sleep 900
            resources:
              cpu: 1..2
              memory: ..4GB
              interruptible: true
            retry:
              on_events: [no-capacity]
        """);
    await RunAsync("git", ["init", "-q", "-b", "main"], repo, environment);
    await RunAsync("git", ["add", "-A"], repo, environment);
    await RunAsync("git", ["-c", "user.email=bench@dstack", "-c", "user.name=bench", "commit", "-q", "-m", "bench"], repo, environment);

    server = Start(dstack, ["server"], repo, environment);
    var ready = await server.StandardOutput.ReadLineAsync();
    if (ready?.Contains("dstack server is running", StringComparison.Ordinal) != true)
    {
        throw new InvalidOperationException($"dstack server did not start: {ready}");
    }

    _ = server.StandardOutput.ReadToEndAsync();
    _ = server.StandardError.ReadToEndAsync();
    Console.WriteLine(FormattableString.Invariant($"{rounds} spot interruptions, notice {notice.TotalSeconds:0} s before the instance goes"));
    Console.WriteLine("round  instance                 notice → workflow has it   notice → attempt ended   seen by");
    var detections = new List<double>();
    var endings = new List<double>();
    for (var round = 1; round <= rounds; round++)
    {
        var submitted = await RunAsync(dstack, ["run", "spot", "-d", "--json"], repo, environment);
        using var submittedJson = JsonDocument.Parse(submitted.Trim().Split('\n')[^1]);
        var run = submittedJson.RootElement.GetProperty("run").GetString()!;
        var manifestPath = Path.Combine(home, "storage", "runs", run, "manifest.json");
        await UntilAsync(
            async () => File.Exists(manifestPath) && (await RunAsync(dstack, ["logs", run], repo, environment)).Contains("job started", StringComparison.Ordinal),
            TimeSpan.FromSeconds(120),
            $"the job of {run} to start",
            TimeSpan.FromMilliseconds(500));
        var instance = emulator.Instances.Single(i => i.Run == run && i.State == "running");

        // From here on only the manifest file is read, so the benchmark adds no load while dstack detects.
        var noticedAt = DateTimeOffset.UtcNow;
        emulator.Interrupt(instance.InstanceId, notice);
        JsonElement attempt = default;
        await UntilAsync(
            async () =>
            {
                using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath));
                attempt = manifest.RootElement.GetProperty("attempts")[0].Clone();
                return attempt.GetProperty("endedAt").ValueKind == JsonValueKind.String;
            },
            notice + TimeSpan.FromSeconds(60),
            $"{run} to end its attempt",
            TimeSpan.FromMilliseconds(100));
        if (attempt.GetProperty("outcome").GetString() != "interruption" || attempt.GetProperty("interruptedAt").ValueKind != JsonValueKind.String)
        {
            throw new InvalidOperationException($"{run}: the attempt did not end with a detected interruption: {attempt}");
        }

        var detected = (attempt.GetProperty("interruptedAt").GetDateTimeOffset() - noticedAt).TotalSeconds;
        var ended = (attempt.GetProperty("endedAt").GetDateTimeOffset() - noticedAt).TotalSeconds;
        var seenBy = attempt.GetProperty("interruption").GetString() is { } message && message.StartsWith("spot/instance-action", StringComparison.Ordinal) ? "metadata" : "EC2 API";
        detections.Add(detected);
        endings.Add(ended);
        Console.WriteLine(FormattableString.Invariant($"{round,5}  {instance.InstanceId,-22}  {detected,22:F2} s  {ended,20:F2} s   {seenBy}"));

        await UntilAsync(
            () => Task.FromResult(emulator.Instances.Where(i => i.Run == run).All(i => i.State == "terminated")),
            TimeSpan.FromSeconds(60),
            $"the instance of {run} to be terminated",
            TimeSpan.FromMilliseconds(200));
    }

    Console.WriteLine(FormattableString.Invariant($"notice → workflow has it: median {Median(detections):F2} s, max {detections.Max():F2} s (target ≤ 10 s; AWS gives 120 s)"));
    Console.WriteLine(FormattableString.Invariant($"notice → attempt ended:   median {Median(endings):F2} s, max {endings.Max():F2} s"));
    var billed = emulator.Ledger.Where(e => e.Live).ToList();
    if (billed.Count > 0)
    {
        throw new InvalidOperationException($"instances still billed: {string.Join(", ", billed.Select(e => e.InstanceId))}");
    }

    return 0;
}
finally
{
    if (server is { HasExited: false })
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }

    server?.Dispose();
    if (emulator is not null)
    {
        await emulator.DisposeAsync();
    }

    await hosts.DisposeAsync();
    root.Delete(recursive: true);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan interval)
{
    var deadline = Stopwatch.StartNew();
    while (!await condition())
    {
        if (deadline.Elapsed > timeout)
        {
            throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}.");
        }

        await Task.Delay(interval);
    }
}

static Process Start(string file, IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment)
{
    var info = new ProcessStartInfo(file)
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        RedirectStandardInput = true,
        WorkingDirectory = workingDirectory,
        UseShellExecute = false,
        StandardOutputEncoding = Encoding.UTF8,
    };
    foreach (var arg in args)
    {
        info.ArgumentList.Add(arg);
    }

    foreach (var (key, value) in environment)
    {
        info.Environment[key] = value;
    }

    var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
    process.StandardInput.Close();
    return process;
}

static async Task<string> RunAsync(string file, IReadOnlyList<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment)
{
    using var process = Start(file, args, workingDirectory, environment);
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    return process.ExitCode == 0
        ? await stdout
        : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stdout}{await stderr}");
}

