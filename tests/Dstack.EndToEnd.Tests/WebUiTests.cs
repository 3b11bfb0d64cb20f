using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// The Temporal Web UI that `dstack server` serves, as a user sees it: the real UI in Debian's chromium, driven by
/// Playwright, against real runs. Screenshots of the list and of a run's page are written to screenshots/ beside the tests.
/// </summary>
public sealed class WebUiTests
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
        var uiPort = DstackSandbox.FreePort();
        await sandbox.StartDstackServerAsync("--ui-port", uiPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var ui = $"http://127.0.0.1:{uiPort}";
        var hello = await RunSteps.SubmitAsync(sandbox, "hello");
        await RunSteps.WaitFinishedAsync(sandbox, hello);
        var running = await RunSteps.SubmitAsync(sandbox, "long");
        await RunSteps.WaitForLogAsync(sandbox, running, "tick 2");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
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

    private static ILocator RunLink(IPage page, string run) => page.GetByRole(AriaRole.Link, new() { Name = run, Exact = true });

    private static ILocator Row(IPage page, string run) => page.Locator("tr", new() { Has = RunLink(page, run) });
}
