namespace Dstack.Benchmarks.WebUi;

/// <summary>
/// The workflows page's loads: the first after the server started, the timed ones after it, and the summary of their
/// times until the rows were in the DOM.
/// </summary>
internal sealed record PageLoadResult(PageLoadTiming First, IReadOnlyList<PageLoadTiming> Loads, LatencySummary Summary);
