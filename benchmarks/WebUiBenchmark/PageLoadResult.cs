namespace Dstack.Benchmarks.WebUi;

/// <summary>
/// Timings of the workflows page in milliseconds from navigation start: the first load after the server started, the
/// loads after it, and the HTTP API calls the page made on its first load.
/// </summary>
internal sealed record PageLoadResult(double First, LatencySummary Summary, IReadOnlyList<string> ApiCalls);
