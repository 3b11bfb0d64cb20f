namespace Dstack.Workflows.Queue;

/// <summary>A run waiting in the capacity queue.</summary>
/// <param name="RunId">The run's workflow ID (its name).</param>
/// <param name="Shape">What it asks for (<see cref="Dstack.Core.Runs.ResourceRequest.Summary"/> and backends): runs of one shape are served in order.</param>
/// <param name="JoinedAt">When it joined: its place among the runs of its shape.</param>
/// <param name="Woken">Whether it was told a slot freed and has not said yet whether it got it.</param>
public sealed record QueuedRun(string RunId, string Shape, DateTime JoinedAt, bool Woken = false);
