using Temporalio.Activities;

namespace Dstack.Benchmarks.TemporalServer;

/// <summary>An activity that does no work, so the figures measure the server and the SDK.</summary>
public static class BenchmarkActivities
{
    [Activity]
    public static string Echo(string input) => input;
}
