using System.Globalization;
using System.Text.RegularExpressions;

using static Dstack.EndToEnd.Tests.DevEnvironmentSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// Dev environments and ports on an SSH host (real sshd in a network namespace): the job listens on the host's own
/// loopback, which only SSH port forwarding reaches from here.
/// </summary>
public sealed partial class SshDevEnvironmentTests(NetworkHosts hosts) : IClassFixture<NetworkHosts>
{
    [SshFact]
    public async Task Run_NotebookOnSshHost_ForwardedUrlAnswersWithTokenOnlyAndShowsInChromium()
    {
        var host = hosts.Hosts[0];
        await using var sandbox = await StartAsync(host);
        var process = sandbox.StartDstack("run", "nb");
        var output = new OutputWatcher(process);

        var ready = await output.WaitForAsync(ReadyRegex(), TimeSpan.FromSeconds(90));
        var run = RunRegex().Match(output.Text).Groups[1].Value;
        var url = ready.Groups[1].Value;
        var port = int.Parse(ready.Groups[2].Value, CultureInfo.InvariantCulture);

        // The notebook listens on the host's loopback: the port here is the forward's, not the host's.
        var endpoints = Core.Jobs.JobEndpoints.Parse(await File.ReadAllTextAsync(Path.Combine(host.DstackDirectory, "jobs", run, "main", Core.Jobs.JobEndpoints.FileName)));
        Assert.NotEqual(endpoints.AppPort, port);
        await AssertNotebookAnswersAsync(url, port);
        await ScreenshotAsync(sandbox, url, "notebook-ssh");

        // Jupyter's own log lines are rewritten to the forwarded address.
        await output.WaitForAsync(new Regex(Regex.Escape($"http://localhost:{port}/?token=")), TimeSpan.FromSeconds(30));
        Assert.DoesNotContain($":{endpoints.AppPort}/", output.Text, StringComparison.Ordinal);

        // Attaching again forwards again, to another local port.
        var attach = sandbox.StartDstack("attach", run);
        var attached = await new OutputWatcher(attach).WaitForAsync(ReadyRegex(), TimeSpan.FromSeconds(60));
        await AssertNotebookAnswersAsync(attached.Groups[1].Value, int.Parse(attached.Groups[2].Value, CultureInfo.InvariantCulture));

        await StopAsync(sandbox, run, process);
        await Eventually.TrueAsync(() => !Directory.EnumerateFileSystemEntries(Path.Combine(host.DstackDirectory, "claims")).Any(), TimeSpan.FromSeconds(30), "the host's claim to go");
        Assert.False(Directory.Exists(Path.Combine(host.DstackDirectory, "jobs", run)));
    }

    [SshFact]
    public async Task Run_NotebookIdleOnSshHost_StopsByItselfAndReleasesTheHost()
    {
        var host = hosts.Hosts[1];
        await using var sandbox = await StartAsync(host);
        var run = await RunSteps.SubmitAsync(sandbox, "idle");

        var manifest = await RunSteps.WaitFinishedAsync(sandbox, run, TimeSpan.FromSeconds(90));

        Assert.Equal("done", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        Assert.Contains("(idle_duration); stopping it", (await sandbox.DstackAsync("logs", run)).Stdout, StringComparison.Ordinal);
        // The manifest says done before the machine is cleaned up and released.
        await Eventually.TrueAsync(
            () => !Directory.EnumerateFileSystemEntries(Path.Combine(host.DstackDirectory, "claims")).Any() && !Directory.Exists(Path.Combine(host.DstackDirectory, "jobs", run)),
            TimeSpan.FromSeconds(30),
            "the host's claim and the job folder to go");
    }

    [SshFact]
    public async Task Run_BashWithPortsOnSshHost_ForwardsAndRewritesTheLoggedUrl()
    {
        var host = hosts.Hosts[2];
        await using var sandbox = await StartAsync(host);
        var process = sandbox.StartDstack("run", "web");
        var output = new OutputWatcher(process);

        var forwarded = await output.WaitForAsync(PortRegex(), TimeSpan.FromSeconds(60));
        var logged = await output.WaitForAsync(ServingRegex(), TimeSpan.FromSeconds(60));

        Assert.NotEqual(forwarded.Groups[1].Value, forwarded.Groups[2].Value);
        Assert.Equal(forwarded.Groups[2].Value, logged.Groups[2].Value);
        Assert.DoesNotContain("http://127.0.0.1:", output.Text, StringComparison.Ordinal);
        await AssertServesRepoAsync(logged.Groups[1].Value);
        await StopAsync(sandbox, RunRegex().Match(output.Text).Groups[1].Value, process);
    }

    private Task<DstackSandbox> StartAsync(TestHost host) => DstackSandbox.CreateAsync(async sandbox =>
    {
        await File.WriteAllTextAsync(Path.Combine(sandbox.Home, "config.yml"), string.Create(CultureInfo.InvariantCulture, $"""
            backends:
              - type: ssh
                hosts:
                  - host: {host.Address}
                    user: root
                    identity_file: {hosts.UserKey}
                    dstack_dir: {host.DstackDirectory}

            """));
        await sandbox.InitRepoAsync(DevWorkflows, Files);
        await sandbox.StartDstackServerAsync();
    });
}
