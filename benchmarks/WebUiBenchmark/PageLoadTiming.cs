namespace Dstack.Benchmarks.WebUi;

/// <summary>
/// One load of the workflows page, in milliseconds from navigation start (the browser's Navigation and Resource Timing):
/// when the rows were in the DOM, and the steps before it, to show where the time goes.
/// </summary>
/// <param name="RowsRendered">When the DOM first linked to enough runs.</param>
/// <param name="DocumentReceived">When index.html had arrived.</param>
/// <param name="AssetsReceived">When the last script or stylesheet had arrived.</param>
/// <param name="Assets">How many scripts and stylesheets were fetched.</param>
/// <param name="AssetKilobytes">Their size as sent.</param>
/// <param name="FirstApiCall">When the first HTTP API call started (the app's code had run up to it).</param>
/// <param name="ListRequested">When the call listing the workflows started.</param>
/// <param name="ListAnswered">When its answer had arrived.</param>
/// <param name="ApiCalls">Every HTTP API call, in the order they started.</param>
/// <param name="MainThreadBusy">How long the page's main thread ran tasks, until the timings were read.</param>
/// <param name="Scripts">How much of that ran JavaScript.</param>
/// <param name="StyleAndLayout">How much of it computed styles and layout.</param>
/// <param name="BrowserCpu">CPU time of all Chromium's processes during the load.</param>
/// <param name="ServerCpu">CPU time of the server during the load.</param>
internal sealed record PageLoadTiming(
    double RowsRendered,
    double DocumentReceived,
    double AssetsReceived,
    int Assets,
    double AssetKilobytes,
    double FirstApiCall,
    double ListRequested,
    double ListAnswered,
    IReadOnlyList<ApiCallTiming> ApiCalls,
    double MainThreadBusy = 0,
    double Scripts = 0,
    double StyleAndLayout = 0,
    double BrowserCpu = 0,
    double ServerCpu = 0);
