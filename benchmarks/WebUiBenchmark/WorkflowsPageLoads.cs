using System.Text.Json;
using Microsoft.Playwright;

namespace Dstack.Benchmarks.WebUi;

/// <summary>
/// Loads the web UI's workflows page in Debian's Chromium (headless, through Playwright; Playwright never downloads a
/// browser here) and times each load from navigation start until the table links to enough runs.
/// </summary>
internal static class WorkflowsPageLoads
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>
    /// Loads <paramref name="page"/> once, then <paramref name="loads"/> times more, each in a new browser context (no
    /// cache, no cookies, as a new visitor) and timed until links to <paramref name="rows"/> distinct runs whose workflow
    /// IDs start with <paramref name="idPrefix"/> are in the DOM.
    /// </summary>
    public static async Task<PageLoadResult> MeasureAsync(Uri page, string idPrefix, int rows, int loads)
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: apt-get install -y chromium");
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        var apiCalls = new List<string>();
        var first = await LoadAsync(browser, page, RowsRenderedScript(page, idPrefix, rows), apiCalls);
        var timings = new List<double>(loads);
        for (var i = 0; i < loads; i++)
        {
            timings.Add(await LoadAsync(browser, page, RowsRenderedScript(page, idPrefix, rows), null));
        }

        return new PageLoadResult(first, LatencySummary.Of(timings), apiCalls);
    }

    private static async Task<double> LoadAsync(IBrowser browser, Uri url, string rowsRendered, List<string>? apiCalls)
    {
        await using var context = await browser.NewContextAsync();
        await context.AddInitScriptAsync(rowsRendered);
        var page = await context.NewPageAsync();
        if (apiCalls is not null)
        {
            page.Request += (_, request) =>
            {
                var path = new Uri(request.Url).PathAndQuery;
                if (path.StartsWith("/api/v1/", StringComparison.Ordinal))
                {
                    lock (apiCalls)
                    {
                        apiCalls.Add(Uri.UnescapeDataString(path));
                    }
                }
            };
        }

        await page.GotoAsync(url.AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        var renderedAt = await page.WaitForFunctionAsync("() => window.__dstackRowsRenderedAt", options: new PageWaitForFunctionOptions { Timeout = 60_000 });
        return await renderedAt.JsonValueAsync<double>();
    }

    // Runs in the page before its own scripts: a MutationObserver notes performance.now() (milliseconds since navigation
    // start) when the DOM first holds links to enough distinct runs, so the figure does not depend on how often
    // Playwright polls. Links are the robust mark of a rendered row: each row links to its run's page,
    // /namespaces/<ns>/workflows/<workflow ID>/<run ID>/...
    private static string RowsRenderedScript(Uri page, string idPrefix, int rows) => $$"""
        (() => {
          const prefix = {{JsonSerializer.Serialize(page.AbsolutePath.TrimEnd('/') + "/" + idPrefix)}};
          const observer = new MutationObserver(() => {
            const ids = new Set();
            for (const link of document.querySelectorAll('a[href]')) {
              if (link.pathname.startsWith(prefix)) {
                ids.add(link.pathname.split('/')[4]);
              }
            }
            if (ids.size >= {{rows}}) {
              window.__dstackRowsRenderedAt = performance.now();
              observer.disconnect();
            }
          });
          observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['href'] });
        })();
        """;
}
