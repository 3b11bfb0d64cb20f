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
    /// cache, as a new visitor) and timed until links to <paramref name="rows"/> distinct runs whose workflow IDs start
    /// with <paramref name="idPrefix"/> are in the DOM; then as many revisits in one context, whose HTTP cache and
    /// compiled-code cache are warm as a returning user's. Each context first logs in through a one-time link of
    /// <paramref name="nextLogin"/>, which only sets the session cookie (no page is rendered, so the cache stays empty).
    /// <paramref name="serverCpu"/> reads the server's CPU time.
    /// </summary>
    public static async Task<PageLoadResult> MeasureAsync(Uri page, Func<Uri> nextLogin, string idPrefix, int rows, int loads, Func<TimeSpan> serverCpu)
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: apt-get install -y chromium");
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        var processes = await browser.NewBrowserCDPSessionAsync();
        var script = RowsRenderedScript(page, idPrefix, rows);
        async Task<PageLoadTiming> FreshAsync()
        {
            await using var context = await browser.NewContextAsync();
            await LogInAsync(context, nextLogin());
            await context.AddInitScriptAsync(script);
            return await LoadAsync(context, await context.NewPageAsync(), page, processes, serverCpu);
        }

        var first = await FreshAsync();
        var fresh = new List<PageLoadTiming>(loads);
        for (var i = 0; i < loads; i++)
        {
            fresh.Add(await FreshAsync());
        }

        var revisits = new List<PageLoadTiming>(loads);
        await using (var returning = await browser.NewContextAsync())
        {
            await LogInAsync(returning, nextLogin());
            await returning.AddInitScriptAsync(script);
            var tab = await returning.NewPageAsync();
            await LoadAsync(returning, tab, page, processes, serverCpu);
            for (var i = 0; i < loads; i++)
            {
                revisits.Add(await LoadAsync(returning, tab, page, processes, serverCpu));
            }
        }

        return new PageLoadResult(first, fresh, LatencySummary.Of(fresh.Select(t => t.RowsRendered)), revisits, LatencySummary.Of(revisits.Select(t => t.RowsRendered)));
    }

    /// <summary>
    /// Opens a login link in <paramref name="context"/> as an HTTP request of the context, which keeps the session cookie
    /// the server answers with in the context's cookie jar, as the browser would, without loading the UI.
    /// </summary>
    private static async Task LogInAsync(IBrowserContext context, Uri login)
    {
        var response = await context.APIRequest.GetAsync(login.AbsoluteUri, new APIRequestContextOptions { MaxRedirects = 0 });
        if (response.Status != 302 || (await context.CookiesAsync([login.GetLeftPart(UriPartial.Authority)])).Count == 0)
        {
            throw new InvalidOperationException($"the login link {login.GetLeftPart(UriPartial.Path)} did not let the browser in: {response.Status} {await response.TextAsync()}");
        }

        await response.DisposeAsync();
    }

    private static async Task<PageLoadTiming> LoadAsync(IBrowserContext context, IPage page, Uri url, ICDPSession processes, Func<TimeSpan> serverCpu)
    {
        // Chromium's own counters of the page's main thread (the DevTools protocol's Performance domain) and the CPU time
        // of all its processes, with the server's, tell the work done from the time spent waiting for a core.
        var devTools = await context.NewCDPSessionAsync(page);
        await devTools.SendAsync("Performance.enable");
        var metricsBefore = await MetricsAsync(devTools);
        var browserCpuBefore = await BrowserCpuAsync(processes);
        var serverCpuBefore = serverCpu();
        await page.GotoAsync(url.AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await page.WaitForFunctionAsync("() => window.__dstackRowsRenderedAt", options: new PageWaitForFunctionOptions { Timeout = 60_000 });
        var serverCpuUsed = serverCpu() - serverCpuBefore;
        var browserCpuAfter = await BrowserCpuAsync(processes);
        var metricsAfter = await MetricsAsync(devTools);
        double Metric(string name) => metricsAfter[name] - metricsBefore.GetValueOrDefault(name);
        await devTools.DetachAsync();
        var timing = (await page.EvaluateAsync<JsonElement>(TimingScript)).Deserialize<PageLoadTiming>(JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("no timings from the page");
        return timing with
        {
            MainThreadBusy = Metric("TaskDuration"),
            Scripts = Metric("ScriptDuration"),
            StyleAndLayout = Metric("RecalcStyleDuration") + Metric("LayoutDuration"),
            BrowserCpu = browserCpuAfter.Sum(p => p.Value - browserCpuBefore.GetValueOrDefault(p.Key)),
            ServerCpu = serverCpuUsed.TotalMilliseconds,
        };
    }

    // The page's counters, durations in ms; they add up over the navigations of one page, so a load is the difference.
    private static async Task<Dictionary<string, double>> MetricsAsync(ICDPSession page) =>
        (await page.SendAsync("Performance.getMetrics"))!.Value.GetProperty("metrics").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("value").GetDouble() * 1000);

    // CPU time (ms) of each of Chromium's processes by id; a context's renderer is new, so it counts from zero.
    private static async Task<Dictionary<int, double>> BrowserCpuAsync(ICDPSession browser) =>
        (await browser.SendAsync("SystemInfo.getProcessInfo"))!.Value.GetProperty("processInfo").EnumerateArray()
            .ToDictionary(p => p.GetProperty("id").GetInt32(), p => p.GetProperty("cpuTime").GetDouble() * 1000);

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
