namespace Dstack.Benchmarks.WebUi;

/// <summary>
/// The workflows page's loads: the first after the server started, the timed ones after it in fresh browser contexts,
/// the revisits in one context, and the summaries of their times until the rows were in the DOM.
/// </summary>
internal sealed record PageLoadResult(
    PageLoadTiming First,
    IReadOnlyList<PageLoadTiming> Loads,
    LatencySummary Summary,
    IReadOnlyList<PageLoadTiming> Revisits,
    LatencySummary RevisitSummary);
