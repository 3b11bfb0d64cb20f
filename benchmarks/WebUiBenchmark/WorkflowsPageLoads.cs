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

    // Reads the browser's own timings of the load, all relative to navigation start, into a PageLoadTiming.
    private const string TimingScript = """
        () => {
          const navigation = performance.getEntriesByType('navigation')[0];
          const resources = performance.getEntriesByType('resource');
          const assets = resources.filter(r => r.initiatorType === 'script' || r.initiatorType === 'link' || /\.(js|css)$/.test(new URL(r.name).pathname));
          const api = resources.filter(r => new URL(r.name).pathname.startsWith('/api/v1/'));
          const list = api.find(r => /\/workflows$/.test(new URL(r.name).pathname));
          return {
            rowsRendered: window.__dstackRowsRenderedAt,
            documentReceived: navigation.responseEnd,
            assetsReceived: Math.max(0, ...assets.map(r => r.responseEnd)),
            assets: assets.length,
            assetKilobytes: assets.reduce((sum, r) => sum + r.encodedBodySize, 0) / 1024,
            firstApiCall: Math.min(...api.map(r => r.startTime)),
            listRequested: list ? list.startTime : -1,
            listAnswered: list ? list.responseEnd : -1,
            apiCalls: api.map(r => ({ path: decodeURIComponent(new URL(r.name).pathname + new URL(r.name).search), started: r.startTime, answered: r.responseEnd })),
          };
        }
        """;

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
        var first = await LoadAsync(browser, page, RowsRenderedScript(page, idPrefix, rows));
        var timings = new List<PageLoadTiming>(loads);
        for (var i = 0; i < loads; i++)
        {
            timings.Add(await LoadAsync(browser, page, RowsRenderedScript(page, idPrefix, rows)));
        }

        return new PageLoadResult(first, timings, LatencySummary.Of(timings.Select(t => t.RowsRendered)));
    }

    private static async Task<PageLoadTiming> LoadAsync(IBrowser browser, Uri url, string rowsRendered)
    {
        await using var context = await browser.NewContextAsync();
        await context.AddInitScriptAsync(rowsRendered);
        var page = await context.NewPageAsync();

        // Chromium's own counters of its main thread (the DevTools protocol's Performance domain), to tell time spent
        // running the page's code from time spent waiting for the network and the server.
        var devTools = await context.NewCDPSessionAsync(page);
        await devTools.SendAsync("Performance.enable");
        await page.GotoAsync(url.AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await page.WaitForFunctionAsync("() => window.__dstackRowsRenderedAt", options: new PageWaitForFunctionOptions { Timeout = 60_000 });
        var metrics = (await devTools.SendAsync("Performance.getMetrics"))!.Value.GetProperty("metrics").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("value").GetDouble() * 1000);
        var timing = (await page.EvaluateAsync<JsonElement>(TimingScript)).Deserialize<PageLoadTiming>(JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("no timings from the page");
        return timing with
        {
            MainThreadBusy = metrics["TaskDuration"],
            Scripts = metrics["ScriptDuration"],
            StyleAndLayout = metrics["RecalcStyleDuration"] + metrics["LayoutDuration"],
        };
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
