using System.Text.RegularExpressions;

using static Dstack.EndToEnd.Tests.DevEnvironmentSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>Dev environments and ports on the local backend, through the real `dstack` and Debian's Jupyter Notebook and Chromium.</summary>
public sealed partial class DevEnvironmentTests
{
    [Fact]
    public async Task Run_Notebook_PrintsUrlThatAnswersWithTokenOnlyAndShowsInChromium()
    {
        await using var sandbox = await StartAsync();
        var process = sandbox.StartDstack("run", "nb");
        var output = new OutputWatcher(process);

        var ready = await output.WaitForAsync(ReadyRegex(), TimeSpan.FromSeconds(90));
        var run = RunRegex().Match(output.Text).Groups[1].Value;
        var url = ready.Groups[1].Value;
        var port = int.Parse(ready.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);

        await AssertNotebookAnswersAsync(url, port);
        await ScreenshotAsync(sandbox, url, "notebook-local");

        // Jupyter's own log lines name the same address (this machine's port is the forwarded one).
        await output.WaitForAsync(new Regex(Regex.Escape($"http://localhost:{port}/?token=")), TimeSpan.FromSeconds(30));
        Assert.Contains("setting up in ", output.Text, StringComparison.Ordinal);
        await StopAsync(sandbox, run, process);
        Assert.False(Directory.Exists(Path.Combine(sandbox.Home, "instance", "jobs", run)));
    }

    [Fact]
    public async Task Run_NotebookIdle_StopsByItselfAndReleasesTheMachine()
    {
        await using var sandbox = await StartAsync();
        var run = await RunSteps.SubmitAsync(sandbox, "idle");

        var manifest = await RunSteps.WaitFinishedAsync(sandbox, run, TimeSpan.FromSeconds(90));

        Assert.Equal("done", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        var logs = await sandbox.DstackAsync("logs", run);
        Assert.Contains("dstack: no connection to Jupyter Notebook for 3 s (idle_duration); stopping it", logs.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(sandbox.Home, "instance", "jobs", run)));
    }

    [Fact]
    public async Task Run_LabNotInstalledAndNoIndex_FailsSayingWhatToInstall()
    {
        await using var sandbox = await StartAsync();

        var run = await sandbox.DstackAsync("run", "lab");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("dstack: JupyterLab is not installed on this machine", run.Output, StringComparison.Ordinal);
        Assert.Contains("pip install jupyterlab", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BashWithPorts_ForwardsAndRewritesTheLoggedUrl()
    {
        await using var sandbox = await StartAsync();
        var process = sandbox.StartDstack("run", "web");
        var output = new OutputWatcher(process);

        var forwarded = await output.WaitForAsync(PortRegex(), TimeSpan.FromSeconds(60));
        var local = forwarded.Groups[2].Value;
        var logged = await output.WaitForAsync(ServingRegex(), TimeSpan.FromSeconds(60));

        Assert.Equal(local, logged.Groups[2].Value);
        Assert.DoesNotContain("http://127.0.0.1:", output.Text, StringComparison.Ordinal);
        await AssertServesRepoAsync(logged.Groups[1].Value);
        await StopAsync(sandbox, RunRegex().Match(output.Text).Groups[1].Value, process);
    }

    [Fact]
    public async Task Attach_RunningNotebook_PrintsTheUrlAgain()
    {
        await using var sandbox = await StartAsync();
        var run = await RunSteps.SubmitAsync(sandbox, "nb");
        await RunSteps.WaitForLogAsync(sandbox, run, "Jupyter Notebook is ready");

        var attach = sandbox.StartDstack("attach", run);
        var output = new OutputWatcher(attach);
        var ready = await output.WaitForAsync(ReadyRegex(), TimeSpan.FromSeconds(60));

        await AssertNotebookAnswersAsync(ready.Groups[1].Value, int.Parse(ready.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        await StopAsync(sandbox, run, attach);
        Assert.Contains($"{run} stopped", await output.WaitForEndAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
    }

    /// <summary>
    /// code-server from npm: the printed URL's page asks for the password (a redirect to its login page), a wrong password
    /// gets no session, and the printed one opens the VS Code workbench; the folder in the URL is the job's checkout.
    /// </summary>
    [CodeServerFact]
    public async Task Run_Code_PrintsUrlWhoseServerAnswersWithThePasswordOnly()
    {
        await using var sandbox = await StartAsync();
        var process = sandbox.StartDstack("run", "ide");
        var output = new OutputWatcher(process);

        var ready = await output.WaitForAsync(CodeReadyRegex(), TimeSpan.FromSeconds(120));
        var baseUrl = new Uri($"http://localhost:{ready.Groups[2].Value}/");
        var folder = ready.Groups[3].Value;
        var password = ready.Groups[4].Value;
        var page = new Uri(baseUrl, $"?folder={folder}");

        using var stranger = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        var refused = await stranger.GetAsync(page);
        Assert.Equal(System.Net.HttpStatusCode.Found, refused.StatusCode);
        Assert.StartsWith("./login", refused.Headers.Location?.OriginalString, StringComparison.Ordinal);
        var wrong = await stranger.PostAsync(new Uri(baseUrl, "login"), new FormUrlEncodedContent(new Dictionary<string, string> { ["password"] = "wrong" }));
        Assert.False(wrong.Headers.Contains("Set-Cookie"), "a wrong password got a session");

        var cookies = new System.Net.CookieContainer();
        using var user = new HttpClient(new HttpClientHandler { CookieContainer = cookies });
        var login = await user.PostAsync(new Uri(baseUrl, "login"), new FormUrlEncodedContent(new Dictionary<string, string> { ["password"] = password }));
        Assert.True(login.IsSuccessStatusCode, $"login answered {login.StatusCode}");
        Assert.NotEmpty(cookies.GetCookies(baseUrl));
        var workbench = await user.GetStringAsync(page);
        Assert.Contains("vscode-workbench-web-configuration", workbench, StringComparison.Ordinal);
        Assert.Contains("&quot;codeServerVersion&quot;", workbench, StringComparison.Ordinal);

        // The folder it opens is the job's checkout of the repository.
        Assert.Equal("served by dstack\n", await File.ReadAllTextAsync(Path.Combine(Uri.UnescapeDataString(folder), "served.txt")));

        await StopAsync(sandbox, RunRegex().Match(output.Text).Groups[1].Value, process);
    }

    private static Task<DstackSandbox> StartAsync() => DstackSandbox.CreateAsync(async sandbox =>
    {
        await sandbox.InitRepoAsync(DevWorkflows, Files);
        await sandbox.StartDstackServerAsync();
    });

    [GeneratedRegex(@"VS Code is ready: (http://localhost:(\d+)/\?folder=(\S+)#password=([0-9a-f]+))")]
    private static partial Regex CodeReadyRegex();
}
