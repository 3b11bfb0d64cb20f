namespace Dstack.Benchmarks.WebUi;

/// <summary>One HTTP API call of a page load: its path and query, when it started and when its answer had arrived (ms from navigation start).</summary>
internal sealed record ApiCallTiming(string Path, double Started, double Answered);
