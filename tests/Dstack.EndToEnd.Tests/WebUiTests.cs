using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// The Temporal Web UI that `dstack server` serves, as a user sees it: the real UI in Debian's chromium, driven by
/// Playwright, against real runs, entered through the one-time login link the server prints. Screenshots of the list and
/// of a run's page are written to screenshots/ beside the tests.
/// </summary>
public sealed partial class WebUiTests
{
    private static readonly LocatorAssertionsToBeVisibleOptions Visible = new() { Timeout = 60_000 };

    [Fact]
    public async Task WebUi_ShowsRunsFiltersByDstackAttributeShowsHistoryAndCancellationStopsTheRun()
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync("""
            workflows:
              - name: hello
                provider: bash
                commands:
                  - echo 'Hello from the Web UI test'
              - name: long
                provider: bash
                commands:
                  - 'mkdir -p output; for i in $(seq 1 600); do echo "tick $i"; echo "$i" > output/last.txt; sleep 1; done'
                artifacts:
                  - path: output
            """);
        var uiPort = FreePort.Next();
        var server = await sandbox.StartDstackServerAsync("--ui-port", uiPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var login = await LoginLinkAsync(server);
        var ui = login.GetLeftPart(UriPartial.Authority);
        Assert.Equal($"http://localhost:{uiPort}", ui);

        // `dstack run` prints a link to the run's page that carries a login token of its own.
        var submitted = await sandbox.DstackAsync("run", "hello", "-d");
        Assert.True(submitted.ExitCode == 0, submitted.Output);
        var hello = SubmittedRegex().Match(submitted.Stdout).Groups[1].Value;
        var runLink = RunLinkRegex().Match(submitted.Stdout) is { Success: true } match ? match.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no UI link in: {submitted.Output}");
        Assert.StartsWith($"{ui}/namespaces/default/workflows/{hello}?token=", runLink, StringComparison.Ordinal);
        await RunSteps.WaitFinishedAsync(sandbox, hello);
        var running = await RunSteps.SubmitAsync(sandbox, "long");
        await RunSteps.WaitForLogAsync(sandbox, running, "tick 2");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true });

        // The run's link opens its page in a browser that was never in (a context of its own has no cookies), and only once.
        await using (var fresh = await browser.NewContextAsync())
        {
            var runPage = await fresh.NewPageAsync();
            await runPage.GotoAsync(runLink);
            // The token is gone from the address; the UI itself may go on from the run's page to its run ID's history tab.
            await Expect(runPage).ToHaveURLAsync(
                new System.Text.RegularExpressions.Regex($"^{System.Text.RegularExpressions.Regex.Escape($"{ui}/namespaces/default/workflows/{hello}")}(/[^?]*)?$"),
                new() { Timeout = 60_000 });
            await Expect(runPage.GetByText("\"WorkflowName\": \"hello\"")).ToBeVisibleAsync(Visible);
        }

        await using (var another = await browser.NewContextAsync())
        {
            var refused = await (await another.NewPageAsync()).GotoAsync(runLink);
            Assert.Equal((int)HttpStatusCode.Unauthorized, refused?.Status);
        }

        // The server's link lets this browser in; from then on it goes anywhere in the UI.
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        var entered = await page.GotoAsync(login.AbsoluteUri);
        Assert.Equal((int)HttpStatusCode.OK, entered?.Status);
        Assert.DoesNotContain("token=", page.Url, StringComparison.Ordinal);
        var screenshots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

        // The list shows both runs with their status.
        await page.GotoAsync($"{ui}/namespaces/default/workflows");
        await Expect(Row(page, hello)).ToContainTextAsync("Completed", new() { Timeout = 60_000 });
        await Expect(Row(page, running)).ToContainTextAsync("Running", new() { Timeout = 60_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "web-ui-runs.png") });

        // A dstack search attribute narrows the list.
        await page.GotoAsync($"{ui}/namespaces/default/workflows?query={Uri.EscapeDataString("DstackWorkflow = \"hello\"")}");
        await Expect(RunLink(page, hello)).ToBeVisibleAsync(Visible);
        await Expect(RunLink(page, running)).ToHaveCountAsync(0);

        // A run's page: its input, its event history and, under Metadata, its dstack attributes.
        await page.GotoAsync($"{ui}/namespaces/default/workflows/{hello}");
        await Expect(page.GetByText("\"WorkflowName\": \"hello\"")).ToBeVisibleAsync(Visible);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Event History" })).ToBeVisibleAsync(Visible);
        await Expect(page.GetByText("ExecuteJob").First).ToBeVisibleAsync(Visible);
        await page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "web-ui-run.png"), FullPage = true });
        await page.GetByText("Metadata", new() { Exact = true }).First.ClickAsync();
        await Expect(page.GetByText("DstackWorkflow").First).ToBeVisibleAsync(Visible);

        // "Request Cancellation" stops the run as `dstack stop` does: stopped, its artifacts uploaded.
        await page.GotoAsync($"{ui}/namespaces/default/workflows/{running}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Request Cancellation" }).ClickAsync();
        await page.Locator("button:visible", new() { HasText = "Confirm" }).ClickAsync();
        var manifest = await RunSteps.WaitFinishedAsync(sandbox, running, TimeSpan.FromSeconds(120));
        Assert.Equal("stopped", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        var artifacts = await sandbox.DstackAsync("artifacts", "list", running);
        Assert.True(artifacts.ExitCode == 0 && artifacts.Output.Contains("last.txt", StringComparison.Ordinal), artifacts.Output);
    }

    [Fact]
    public async Task WebUi_WithoutALoginLink_UiAndHttpApiAnswer401()
    {
        await using var sandbox = new DstackSandbox();
        var uiPort = FreePort.Next();
        var server = await sandbox.StartDstackServerAsync("--ui-port", uiPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var login = await LoginLinkAsync(server);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri($"http://127.0.0.1:{uiPort}") };

        foreach (var path in new[] { "/", "/namespaces/default/workflows", "/api/v1/namespaces/default/workflows", "/api/v1/settings", "/api/v1/cluster-info" })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode}");
        }

        // A made-up token, and the real one altered, let nobody in either.
        using var madeUp = await http.GetAsync(new Uri("/?token=AAAA", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, madeUp.StatusCode);
        var token = login.Query["?token=".Length..];
        using var altered = await http.GetAsync(new Uri($"/?token={token[..^1]}{(token[^1] == 'A' ? 'B' : 'A')}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, altered.StatusCode);

        // With the printed link, the same client gets in (the check above can fail).
        using var entered = await http.GetAsync(new Uri(login.PathAndQuery, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, entered.StatusCode);
    }

    /// <summary>Reads the one-time login link that `dstack server` prints under its first line.</summary>
    private static async Task<Uri> LoginLinkAsync(Process server)
    {
        var line = await server.StandardOutput.ReadLineAsync() ?? string.Empty;
        var match = LoginLineRegex().Match(line);
        Assert.True(match.Success, line);
        return new Uri(match.Groups[1].Value);
    }

    [GeneratedRegex(@"^Temporal Web UI: (http://localhost:[0-9]+/\?token=[A-Za-z0-9_-]+) \(opens once")]
    private static partial Regex LoginLineRegex();

    [GeneratedRegex(@"Submitted ([a-z]+-[a-z]+-[0-9]+)\.")]
    private static partial Regex SubmittedRegex();

    [GeneratedRegex(@"^UI  (\S+)$", RegexOptions.Multiline)]
    private static partial Regex RunLinkRegex();

    private static ILocator RunLink(IPage page, string run) => page.GetByRole(AriaRole.Link, new() { Name = run, Exact = true });

    private static ILocator Row(IPage page, string run) => page.Locator("tr", new() { Has = RunLink(page, run) });
}
