using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Dstack.Testing.Ssh;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dstack.Testing.Aws;

/// <summary>
/// EC2 as the AWS SDK sees it, for the actions dstack calls: the Query protocol (form-encoded POST, <c>Action</c> and
/// <c>Version</c>) on a loopback port, XML answers in EC2's namespace, EC2's error documents and codes. The region is the
/// one the request was signed for. Each launched instance is a network-namespace host (<see cref="NetworkHosts"/>) with a
/// real sshd that accepts the key pair named at launch, and an instance metadata service at 169.254.169.254 inside its
/// namespace (as on EC2; <c>latest/meta-data/spot/instance-action</c> answers 404 until an interruption notice).
/// It bills instance-seconds from running to termination (<see cref="Ledger"/>), and lets a test take capacity away
/// (<see cref="RemoveCapacity"/>) and interrupt a spot instance (<see cref="Interrupt"/>).
/// </summary>
public sealed partial class Ec2Emulator : IAsyncDisposable
{
    public const string MetadataAddress = "169.254.169.254";
    private const string Python = "/usr/bin/python3";
    private static readonly string[] KnownRegions = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1"];

    private readonly NetworkHosts _hosts;
    private readonly Lock _lock = new();
    private readonly List<EmulatedInstance> _instances = [];
    private readonly Dictionary<(string Region, string Name), (string Id, string Material)> _keyPairs = [];
    private readonly List<SecurityGroup> _groups = [];
    private readonly Dictionary<(string Region, string Type), decimal> _onDemand = [];
    private readonly Dictionary<(string Region, string Type), decimal> _spot = [];
    private readonly Dictionary<(string Region, string Type, bool Spot), string> _noCapacity = [];
    private readonly List<Task> _background = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<string> _actions = [];
    private readonly List<string> _bootFailures = [];
    private WebApplication? _app;
    private int _counter;

    public Ec2Emulator(NetworkHosts hosts)
    {
        _hosts = hosts;

        // Real on-demand prices (Linux, us-east-1 and us-west-2) of the types tests launch; tests may change them.
        foreach (var region in new[] { "us-east-1", "us-west-2" })
        {
            SetOnDemandPrice(region, "t3.micro", 0.0104m);
            SetOnDemandPrice(region, "t3.medium", 0.0416m);
            SetOnDemandPrice(region, "m5.large", 0.096m);
            SetOnDemandPrice(region, "c5.large", 0.085m);
            SetOnDemandPrice(region, "g4dn.xlarge", 0.526m);
            SetOnDemandPrice(region, "g5.xlarge", 1.006m);
            SetOnDemandPrice(region, "p4d.24xlarge", 32.7726m);
        }
    }

    /// <summary>Gets the service URL to give the SDK (<c>ServiceURL</c>).</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Gets how long a launched instance stays pending before it runs (its host is made in the meantime).</summary>
    public TimeSpan BootDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Gets the actions called so far, in order (for tests that check what the client did).</summary>
    public IReadOnlyList<string> Actions
    {
        get
        {
            lock (_lock)
            {
                return [.. _actions];
            }
        }
    }

    public IReadOnlyList<EmulatedInstance> Instances
    {
        get
        {
            lock (_lock)
            {
                return [.. _instances];
            }
        }
    }

    /// <summary>Gets the bill: one entry per instance that ran.</summary>
    public IReadOnlyList<LedgerEntry> Ledger
    {
        get
        {
            var now = DateTimeOffset.UtcNow;
            lock (_lock)
            {
                return [.. _instances.Where(i => i.RunningSince is not null).Select(i => new LedgerEntry(
                    i.InstanceId, i.Region, i.InstanceType, i.Spot, i.Run, i.PricePerHour,
                    ((i.EndedAt ?? now) - i.RunningSince!.Value).TotalSeconds, i.EndedAt is null))];
            }
        }
    }

    /// <summary>Gets the ingress rules of the security groups (<c>group-name tcp 22-22 1.2.3.4/32</c>).</summary>
    public IReadOnlyList<string> IngressRules
    {
        get
        {
            lock (_lock)
            {
                return [.. _groups.SelectMany(g => g.Rules.Select(r => $"{g.Name} {r}"))];
            }
        }
    }

    /// <summary>Why the emulator cannot run here, or null when it can.</summary>
    public static string? Unavailable() =>
        NetworkHosts.Unavailable()
        ?? (File.Exists(Python) ? null : $"needs {Python} (the metadata service; .ci/run installs it)")
        ?? (File.Exists("/usr/bin/curl") ? null : "needs /usr/bin/curl (reads the metadata service; .ci/run installs it)");

    public void SetOnDemandPrice(string region, string type, decimal price)
    {
        lock (_lock)
        {
            _onDemand[(region, type)] = price;
        }
    }

    /// <summary>Sets the spot price of a type in a region (by default 30% of on-demand).</summary>
    public void SetSpotPrice(string region, string type, decimal price)
    {
        lock (_lock)
        {
            _spot[(region, type)] = price;
        }
    }

    /// <summary>Makes launches of <paramref name="type"/> (any type: null) in <paramref name="region"/> fail with <paramref name="code"/>.</summary>
    public void RemoveCapacity(string region, string? type, bool spot, string code = "InsufficientInstanceCapacity")
    {
        lock (_lock)
        {
            _noCapacity[(region, type ?? "*", spot)] = code;
        }
    }

    public void RestoreCapacity()
    {
        lock (_lock)
        {
            _noCapacity.Clear();
        }
    }

    /// <summary>
    /// Interrupts a spot instance as EC2 does: the notice (metadata <c>spot/instance-action</c>, spot request status
    /// <c>marked-for-termination</c>) at once, then after <paramref name="notice"/> the instance is shut down with state
    /// reason <c>Server.SpotInstanceTermination</c>, its host removed and its billing stopped.
    /// </summary>
    public void Interrupt(string instanceId, TimeSpan notice)
    {
        var at = DateTimeOffset.UtcNow + notice;
        EmulatedInstance instance;
        lock (_lock)
        {
            instance = _instances.Single(i => i.InstanceId == instanceId);
            if (!instance.Spot)
            {
                throw new InvalidOperationException($"{instanceId} is not a spot instance.");
            }

            instance.SpotStatus = "marked-for-termination";
        }

        if (instance.MetadataFolder is { } folder)
        {
            var spot = Directory.CreateDirectory(Path.Combine(folder, "latest", "meta-data", "spot")).FullName;
            var json = $$"""{"action": "terminate", "time": "{{at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}"}""";
            File.WriteAllText(Path.Combine(spot, ".instance-action.tmp"), json);
            File.Move(Path.Combine(spot, ".instance-action.tmp"), Path.Combine(spot, "instance-action"), overwrite: true);
        }

        Track(ShutDownLaterAsync(instance, at));
    }

    public async Task StartAsync()
    {
        // EC2's Ubuntu images log in as "ubuntu"; the hosts here share this machine's users, so tests log in as root
        // (the aws backend's ssh_user) rather than add an account to the machine.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/", HandleAsync);

        // The caller's address as the outside world sees it (like checkip.amazonaws.com), for the SSH ingress rule.
        app.MapGet("/checkip", (HttpContext c) => c.Connection.RemoteIpAddress?.MapToIPv4().ToString() ?? "127.0.0.1");
        await app.StartAsync();
        _app = app;
        Endpoint = new Uri(app.Urls.First());
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task[] background;
        lock (_lock)
        {
            background = [.. _background];
        }

        await Task.WhenAll(background.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        foreach (var instance in Instances.Where(i => i.Host is not null))
        {
            await _hosts.RemoveHostAsync(instance.Host!);
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        var auth = context.Request.Headers.Authorization.ToString();
        var scope = CredentialScope().Match(auth);
        var query = new Ec2Query(form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal), scope.Success ? scope.Groups[1].Value : "us-east-1");
        XDocument answer;
        try
        {
            if (!scope.Success)
            {
                throw new Ec2ErrorException("AuthFailure", "AWS was not able to validate the provided access credentials", HttpStatusCode.Unauthorized);
            }

            var action = query.Action;
            lock (_lock)
            {
                _actions.Add(action);
            }

            answer = await DispatchAsync(action, query);
            context.Response.StatusCode = 200;
        }
        catch (Ec2ErrorException e)
        {
            answer = Ec2Xml.Error(e.Code, e.Message);
            context.Response.StatusCode = (int)e.Status;
        }

        context.Response.ContentType = "text/xml;charset=UTF-8";
        await context.Response.WriteAsync(answer.ToString(SaveOptions.DisableFormatting));
    }

    private void Track(Task task)
    {
        lock (_lock)
        {
            _background.RemoveAll(t => t.IsCompleted);
            _background.Add(task);
        }
    }

    /// <summary>Gets why instances failed to boot (the emulator's own failures, which a test should report).</summary>
    public IReadOnlyList<string> BootFailures
    {
        get
        {
            lock (_lock)
            {
                return [.. _bootFailures];
            }
        }
    }

    private async Task BootOrFailAsync(EmulatedInstance instance, string publicKey)
    {
        try
        {
            await BootAsync(instance, publicKey);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lock (_lock)
            {
                _bootFailures.Add($"{instance.InstanceId}: {e}");
                instance.State = "terminated";
                instance.StateReasonCode = "Server.InternalError";
                instance.StateReasonMessage = "Server.InternalError: Internal error on launch";
                instance.EndedAt ??= DateTimeOffset.UtcNow;
            }

            if (instance.Host is { } host)
            {
                await _hosts.RemoveHostAsync(host);
            }
        }
    }

    /// <summary>Makes the instance's host and metadata service, then lets it run (unless it was terminated meanwhile).</summary>
    private async Task BootAsync(EmulatedInstance instance, string publicKey)
    {
        if (BootDelay > TimeSpan.Zero)
        {
            await Task.Delay(BootDelay, _stopping.Token);
        }

        var host = await _hosts.AddHostAsync();
        lock (_lock)
        {
            instance.Host = host;
        }

        await File.WriteAllTextAsync(Path.Combine(host.Folder, "authorized_keys"), publicKey.Trim() + "\n");
        var metadata = Directory.CreateDirectory(Path.Combine(host.Folder, "metadata")).FullName;
        var meta = Directory.CreateDirectory(Path.Combine(metadata, "latest", "meta-data")).FullName;
        await File.WriteAllTextAsync(Path.Combine(meta, "instance-id"), instance.InstanceId);
        await File.WriteAllTextAsync(Path.Combine(meta, "instance-type"), instance.InstanceType);
        await Programs.RunAsync("ip", "netns", "exec", host.Namespace, "ip", "addr", "add", MetadataAddress + "/32", "dev", "lo");

        // Started inside the namespace, so it dies with it (RemoveHostAsync kills every process there).
        var server = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "netns", "exec", host.Namespace, Python, "-m", "http.server", "80", "--bind", MetadataAddress, "--directory", metadata })
        {
            server.ArgumentList.Add(arg);
        }

        using (var process = Process.Start(server) ?? throw new InvalidOperationException("cannot start the metadata service"))
        {
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
        }

        await Eventually.TrueAsync(
            async () => (await Programs.TryAsync("ip", "netns", "exec", host.Namespace, "curl", "-s", "-o", "/dev/null", $"http://{MetadataAddress}/latest/meta-data/instance-id")).Code == 0,
            TimeSpan.FromSeconds(20),
            $"the metadata service of {instance.InstanceId}");

        var orphan = false;
        lock (_lock)
        {
            instance.MetadataFolder = metadata;
            if (instance.State == "pending")
            {
                instance.PublicIp = host.Address;
                instance.State = "running";
                instance.RunningSince = DateTimeOffset.UtcNow;
            }
            else
            {
                orphan = true;
            }
        }

        if (orphan)
        {
            await RemoveAsync(instance);
        }
    }

    private async Task ShutDownLaterAsync(EmulatedInstance instance, DateTimeOffset at)
    {
        var wait = at - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _stopping.Token);
        }

        lock (_lock)
        {
            if (instance.State is "shutting-down" or "terminated")
            {
                return;
            }

            instance.State = "shutting-down";
            instance.StateReasonCode = "Server.SpotInstanceTermination";
            instance.StateReasonMessage = "Server.SpotInstanceTermination: Spot instance termination";
            instance.SpotStatus = "instance-terminated-by-service";
            instance.EndedAt = at;
        }

        await RemoveAsync(instance);
    }

    private async Task RemoveAsync(EmulatedInstance instance)
    {
        if (instance.Host is { } host)
        {
            await _hosts.RemoveHostAsync(host);
        }

        lock (_lock)
        {
            instance.State = "terminated";
            instance.EndedAt ??= DateTimeOffset.UtcNow;
        }
    }

    private string NextId(string prefix)
    {
        var n = Interlocked.Increment(ref _counter);
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}-{n:x17}");
    }

    [GeneratedRegex(@"Credential=[^/]+/\d{8}/([a-z0-9-]+)/ec2/aws4_request")]
    private static partial Regex CredentialScope();

    private sealed record SecurityGroup(string Id, string Region, string Name, string Description, IReadOnlyDictionary<string, string> Tags)
    {
        public List<string> Rules { get; } = [];
    }
}
