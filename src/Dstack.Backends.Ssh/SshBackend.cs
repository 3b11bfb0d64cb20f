using System.Collections.Concurrent;
using System.Globalization;
using Dstack.Core.Backends;
using Dstack.Core.Instances;
using Dstack.Core.Runs;

namespace Dstack.Backends.Ssh;

/// <summary>
/// The user's own hosts as a backend. Each host with a free block that has what a run asks for is one free offer; a host
/// runs one job at a time unless its <c>blocks</c> setting lets it run more. Provisioning claims a block with a
/// <c>claims/N</c> folder in the host's dstack folder (atomic <c>mkdir</c>, holding the client token, so a retried call gets
/// the same block); releasing removes it. A claim that outlived <see cref="SshBackendOptions.StaleClaimAge"/> with no live
/// job on the host is left over from a lost worker and ignored. Blocks share the whole host: its CPUs, memory and GPUs are
/// not divided between them.
/// </summary>
internal sealed class SshBackend : IBackend, IReleasedOnTheMachine, IPortForwarding, IDisposable
{
    /// <summary>The backend's name.</summary>
    public const string SshName = "ssh";

    private readonly SshConnectionPool _pool;
    private readonly IReadOnlyList<SshHost> _hosts;
    private readonly ConcurrentDictionary<string, MachineResources> _resources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FreshProbe<string[]>> _claims;

    public SshBackend(SshBackendOptions options, SshConnectionPool pool)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pool);
        _pool = pool;
        _hosts = [.. options.Hosts.Select(h => SshHost.From(h, options))];
        _claims = _hosts.ToDictionary(h => h.Id, h => new FreshProbe<string[]>(() => LiveClaimsAsync(h)), StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public string Name => SshName;

    /// <inheritdoc />
    public async Task<OfferSearch> GetOffersAsync(ResourceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var results = await Task.WhenAll(_hosts.Select(h => OfferAsync(h, request, cancellationToken))).ConfigureAwait(false);
        return new OfferSearch(
            [.. results.Where(r => r.Offer is not null).Select(r => r.Offer!)],
            [.. results.Where(r => r.Rejection is not null).Select(r => r.Rejection!)],
            results.Count(r => r.Unavailable));
    }

    /// <inheritdoc />
    public async Task<Instance> ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (offer, clientToken, _) = request;
        ArgumentException.ThrowIfNullOrEmpty(clientToken, nameof(request));
        if (offer.Backend != SshName)
        {
            throw new ArgumentException($"The offer belongs to the '{offer.Backend}' backend, not to '{SshName}'.", nameof(request));
        }

        var host = Host(offer.InstanceType);
        SshShell shell;
        ShellResult result;
        try
        {
            shell = await SshShell.OpenAsync(_pool, host, cancellationToken).ConfigureAwait(false);
            result = await shell.RunAsync(ClaimScript(host, shell.DstackDirectory, clientToken), cancellationToken).ConfigureAwait(false);
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
            await shell.RunAsync(RemoveClaimScript(shell.DstackDirectory, token), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InstanceUnreachableException or SshHostRefusedException)
        {
            // Retrying forever would keep the run from ending; the claim expires by itself (see the class remarks).
        }
    }

    /// <inheritdoc />
    public string ReleaseScript(Instance instance, string dstackDirectory)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return RemoveClaimScript(dstackDirectory, Parse(instance).Token);
    }

    /// <inheritdoc />
    public TimeSpan? UnreachableGracePeriod => _pool.Options.UnreachableGracePeriod;

    /// <inheritdoc />
    public bool HasFixedSlots => true;

    /// <inheritdoc />
    public async Task<IInstanceShell> ConnectAsync(Instance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return await SshShell.OpenAsync(_pool, Parse(instance).Host, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>SSH local port forwarding over a connection of its own (see <see cref="SshPortForward"/>).</remarks>
    public async Task<ForwardedPort> ForwardAsync(Instance instance, int remotePort, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var forward = await SshPortForward.StartAsync(_pool, Parse(instance).Host, "127.0.0.1", remotePort, cancellationToken).ConfigureAwait(false);
        return new ForwardedPort(remotePort, forward.LocalPort, forward);
    }

    /// <summary>Closes the connections to the hosts.</summary>
    public void Dispose()
    {
        foreach (var probe in _claims.Values)
        {
            probe.Dispose();
        }

        _pool.Dispose();
    }

    /// <summary>The host's offer, or why it has none; unavailable when it could run the request but is full or does not answer.</summary>
    private async Task<(InstanceOffer? Offer, string? Rejection, bool Unavailable)> OfferAsync(SshHost host, ResourceRequest request, CancellationToken cancellationToken)
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
                return (null, $"ssh: {host.Id} cannot run it: {string.Join("; ", unmet)}. It has {ResourceMatcher.Describe(machine)}.", false);
            }

            var claims = await _claims[host.Id].RunAsync(cancellationToken).ConfigureAwait(false);
            if (claims.Length >= host.Blocks)
            {
                return (null, $"ssh: {host.Id} is busy with {string.Join(", ", claims)}.", true);
            }

            var availability = host.Blocks == 1 ? "available" : $"available ({host.Blocks - claims.Length} of {host.Blocks} blocks free)";
            return (new InstanceOffer(SshName, host.Id, host.Id, machine, 0m, Spot: false, availability, host.Labels), null, false);
        }
        catch (Exception e) when (e is InstanceUnreachableException or SshHostRefusedException)
        {
            // A host that does not answer may come back, and a run may wait for it unless what it has is known not to fit; a
            // host that refuses the key stays refused until the user acts.
            var mayFit = !_resources.TryGetValue(host.Id, out var known) || ResourceMatcher.Unmet(request, known, checkMaximums: false).Count == 0;
            return (null, $"ssh: {e.Message}", e is InstanceUnreachableException && mayFit);
        }
    }

    /// <summary>The tokens of the host's live claims; shared by the searches that ask at the same time (<see cref="FreshProbe{T}"/>).</summary>
    private async Task<string[]> LiveClaimsAsync(SshHost host)
    {
        var shell = await SshShell.OpenAsync(_pool, host, CancellationToken.None).ConfigureAwait(false);
        var busy = await shell.RunAsync(BusyScript(host, shell.DstackDirectory), CancellationToken.None).ConfigureAwait(false);
        return busy.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
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

    /// <summary>
    /// Sets <c>claimed</c> to the tokens of the host's live claims (one per line) and <c>slots</c> to how many there are.
    /// A claim older than <see cref="SshBackendOptions.StaleClaimAge"/> while no job on the host is alive is left over from a
    /// lost worker and removed. A claim is a file <c>claims/N</c> with the token and the time it was taken (bash's
    /// <c>EPOCHSECONDS</c>), so its age costs no process; claims taken by an older dstack are folders with a <c>token</c>
    /// file, aged by <c>find</c>.
    /// </summary>
    private string LiveClaimsScript(SshHost host, string directory) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $$"""
            cd {{ShellQuoting.Quote(directory)}} || exit 1
            live=0
            for d in jobs/*/*/; do
              [ -d "$d" ] || continue
              [ -s "$d/job.exit" ] && continue
              if [ -s "$d/wrapper.pid" ] && read -r pid < "$d/wrapper.pid" && kill -0 "$pid" 2>/dev/null; then live=1; break; fi
            done
            blocks={{host.Blocks}}
            claimed=""
            i=0
            while [ "$i" -lt "$blocks" ]; do
              c="claims/$i"
              i=$((i + 1))
              [ -e "$c" ] || continue
              # read, not cat: this runs for every block of every host on every search, and a fork per block adds up.
              holder=""
              since=""
              if [ -d "$c" ]; then
                read -r holder < "$c/token" 2>/dev/null
              else
                { read -r holder; read -r since; } < "$c" 2>/dev/null
              fi
              case "$since" in *[!0-9]*) since="" ;; esac
              if [ "$live" = 0 ]; then
                if [ -n "$since" ] && [ -n "${EPOCHSECONDS:-}" ]; then
                  if [ $((EPOCHSECONDS - since)) -gt {{(int)Math.Ceiling(_pool.Options.StaleClaimAge.TotalSeconds)}} ]; then rm -rf "$c"; continue; fi
                elif [ -n "$(find "$c" -maxdepth 0 -mmin +{{(int)Math.Ceiling(_pool.Options.StaleClaimAge.TotalMinutes)}} 2>/dev/null)" ]; then
                  rm -rf "$c"
                  continue
                fi
              fi

              [ -n "$holder" ] || holder="another run"
              claimed="$claimed$holder
            "
            done
            """);

    private string BusyScript(SshHost host, string directory) => LiveClaimsScript(host, directory) + "\nprintf '%s' \"$claimed\"\n";

    /// <summary>
    /// Takes the first free slot by creating its claim file exclusively (bash's <c>set -C</c>: <c>O_EXCL</c>, atomic, no
    /// process); a token that already holds one gets it again.
    /// </summary>
    private string ClaimScript(SshHost host, string directory, string token) =>
        LiveClaimsScript(host, directory) +
            $$"""

            token={{ShellQuoting.Quote(token)}}
            nl=$'\n'
            case "$nl$claimed" in *"$nl$token$nl"*) echo claimed; exit 0 ;; esac
            [ -d claims ] || mkdir -p claims
            set -C
            i=0
            while [ "$i" -lt "$blocks" ]; do
              # The test first spares a failed create for each block already taken.
              if [ ! -e "claims/$i" ] && printf '%s\n%s\n' "$token" "${EPOCHSECONDS:-}" 2>/dev/null > "claims/$i"; then echo claimed; exit 0; fi
              i=$((i + 1))
            done
            echo "busy $(printf '%s' "$claimed" | paste -sd, - | sed 's/,/, /g')"
            """;

    private static string RemoveClaimScript(string directory, string token) =>
        $"""
        cd {ShellQuoting.Quote(directory)} 2>/dev/null || exit 0
        for c in claims/*; do
          [ -e "$c" ] || continue
          t=""
          if [ -d "$c" ]; then
            [ -f "$c/token" ] && read -r t < "$c/token"
          else
            read -r t < "$c"
          fi
          if [ "$t" = {ShellQuoting.Quote(token)} ]; then rm -rf "$c"; fi
        done
        exit 0
        """;
}
