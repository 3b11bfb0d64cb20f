using System.Collections.Concurrent;
using System.Globalization;
using Dstack.Core.Backends;
using Dstack.Core.Instances;
using Dstack.Core.Runs;

namespace Dstack.Backends.Ssh;

/// <summary>
/// The user's own hosts as a backend. Each idle host that has what a run asks for is one free offer; a host runs one job
/// at a time. Provisioning claims the host with a <c>claim</c> folder in its dstack folder (atomic <c>mkdir</c>, holding the
/// client token, so a retried call gets the same host); releasing removes it. A claim that outlived
/// <see cref="SshBackendOptions.StaleClaimAge"/> with no live job on the host is left over from a lost worker and ignored.
/// </summary>
internal sealed class SshBackend : IBackend, IPortForwarding, IDisposable
{
    /// <summary>The backend's name.</summary>
    public const string SshName = "ssh";

    private readonly SshConnectionPool _pool;
    private readonly IReadOnlyList<SshHost> _hosts;
    private readonly ConcurrentDictionary<string, MachineResources> _resources = new(StringComparer.Ordinal);

    public SshBackend(SshBackendOptions options, SshConnectionPool pool)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pool);
        _pool = pool;
        _hosts = [.. options.Hosts.Select(h => SshHost.From(h, options))];
    }

    /// <inheritdoc />
    public string Name => SshName;

    /// <inheritdoc />
    public async Task<OfferSearch> GetOffersAsync(ResourceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var results = await Task.WhenAll(_hosts.Select(h => OfferAsync(h, request, cancellationToken))).ConfigureAwait(false);
        return new OfferSearch([.. results.Where(r => r.Offer is not null).Select(r => r.Offer!)], [.. results.Where(r => r.Rejection is not null).Select(r => r.Rejection!)]);
    }

    /// <inheritdoc />
    public async Task<Instance> ProvisionAsync(InstanceOffer offer, string clientToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentException.ThrowIfNullOrEmpty(clientToken);
        if (offer.Backend != SshName)
        {
            throw new ArgumentException($"The offer belongs to the '{offer.Backend}' backend, not to 'ssh'.", nameof(offer));
        }

        var host = Host(offer.InstanceType);
        SshShell shell;
        ShellResult result;
        try
        {
            shell = await SshShell.OpenAsync(_pool, host, cancellationToken).ConfigureAwait(false);
            result = await shell.RunAsync(ClaimScript(shell.DstackDirectory, clientToken), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InstanceUnreachableException or SshHostRefusedException)
        {
            throw new NoCapacityException($"{host.Id}: {e.Message}", e);
        }

        var status = result.Stdout.Trim();
        return status == "claimed"
            ? new Instance(SshName, $"{host.Id}/{clientToken}", offer)
            : throw new NoCapacityException($"{host.Id} is busy{(status.StartsWith("busy ", StringComparison.Ordinal) ? $" with {status[5..]}" : string.Empty)}.");
    }

    /// <inheritdoc />
    /// <remarks>A host that does not answer keeps its claim until the claim goes stale, and is released then.</remarks>
    public async Task ReleaseAsync(Instance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var (host, token) = Parse(instance);
        try
        {
            var shell = await SshShell.OpenAsync(_pool, host, cancellationToken).ConfigureAwait(false);
            var claim = ShellQuoting.Quote(shell.DstackDirectory + "/claim");
            await shell.RunAsync(
                $"""
                if [ "$(cat {claim}/token 2>/dev/null)" = {ShellQuoting.Quote(token)} ]; then rm -rf {claim}; fi
                exit 0
                """,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InstanceUnreachableException or SshHostRefusedException)
        {
            // Retrying forever would keep the run from ending; the claim expires by itself (see the class remarks).
        }
    }

    /// <inheritdoc />
    public async Task<IInstanceShell> ConnectAsync(Instance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return await SshShell.OpenAsync(_pool, Parse(instance).Host, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>SSH local port forwarding over the host's pooled connection; the forward ends with that connection.</remarks>
    public async Task<ForwardedPort> ForwardAsync(Instance instance, int remotePort, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var connection = await _pool.GetAsync(Parse(instance).Host, cancellationToken).ConfigureAwait(false);
        var forward = SshPortForward.Start(connection, "127.0.0.1", remotePort);
        return new ForwardedPort(remotePort, forward.LocalPort, forward);
    }

    /// <summary>Closes the connections to the hosts.</summary>
    public void Dispose() => _pool.Dispose();

    private async Task<(InstanceOffer? Offer, string? Rejection)> OfferAsync(SshHost host, ResourceRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var shell = await SshShell.OpenAsync(_pool, host, cancellationToken).ConfigureAwait(false);
            if (!_resources.TryGetValue(host.Id, out var machine))
            {
                machine = await SshMachineDetector.DetectAsync(shell, cancellationToken).ConfigureAwait(false);
                _resources[host.Id] = machine;
            }

            // An existing host with more than a maximum still runs the job.
            var unmet = ResourceMatcher.Unmet(request, machine, checkMaximums: false);
            if (unmet.Count > 0)
            {
                return (null, $"ssh: {host.Id} cannot run it: {string.Join("; ", unmet)}. It has {ResourceMatcher.Describe(machine)}.");
            }

            var busy = await shell.RunAsync(BusyScript(shell.DstackDirectory), cancellationToken).ConfigureAwait(false);
            if (busy.Stdout.Trim() is { Length: > 0 } claimedBy)
            {
                return (null, $"ssh: {host.Id} is busy with {claimedBy}.");
            }

            return (new InstanceOffer(SshName, host.Id, host.Id, machine, 0m, Spot: false, "available"), null);
        }
        catch (Exception e) when (e is InstanceUnreachableException or SshHostRefusedException)
        {
            return (null, $"ssh: {e.Message}");
        }
    }

    private SshHost Host(string id) =>
        _hosts.FirstOrDefault(h => h.Id == id)
        ?? throw new NoCapacityException($"The host {id} is not in this worker's ssh backend (configured: {string.Join(", ", _hosts.Select(h => h.Id))}).");

    private (SshHost Host, string Token) Parse(Instance instance)
    {
        // The ID is "<host id>/<client token>"; a host ID holds no '/'.
        var slash = instance.InstanceId.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            ? (Host(instance.InstanceId[..slash]), instance.InstanceId[(slash + 1)..])
            : throw new ArgumentException($"'{instance.InstanceId}' is not an ssh instance ID.", nameof(instance));
    }

    /// <summary>Prints the token of a live claim (empty when the host is free); a stale claim is removed.</summary>
    private string LiveClaimScript(string directory) =>
        $$"""
        cd {{ShellQuoting.Quote(directory)}} || exit 1
        live=0
        for d in jobs/*/*/; do
          [ -d "$d" ] || continue
          [ -s "$d/job.exit" ] && continue
          if [ -s "$d/wrapper.pid" ] && kill -0 "$(cat "$d/wrapper.pid")" 2>/dev/null; then live=1; fi
        done
        claimed=""
        if [ -d claim ]; then
          claimed=$(cat claim/token 2>/dev/null || echo unknown)
          if [ "$live" = 0 ] && [ -n "$(find claim -maxdepth 0 -mmin +{{(int)Math.Ceiling(_pool.Options.StaleClaimAge.TotalMinutes)}} 2>/dev/null)" ]; then
            rm -rf claim
            claimed=""
          fi
        fi
        """;

    private string BusyScript(string directory) => LiveClaimScript(directory) + "\nprintf '%s\\n' \"$claimed\"\n";

    private string ClaimScript(string directory, string token) =>
        LiveClaimScript(directory) + string.Create(
            CultureInfo.InvariantCulture,
            $"""

            token={ShellQuoting.Quote(token)}
            if [ "$claimed" = "$token" ]; then echo claimed; exit 0; fi
            if [ -n "$claimed" ]; then echo "busy $claimed"; exit 0; fi
            if mkdir claim 2>/dev/null; then printf '%s\n' "$token" > claim/token; echo claimed; exit 0; fi
            echo "busy $(cat claim/token 2>/dev/null || echo another run)"
            """);
}
