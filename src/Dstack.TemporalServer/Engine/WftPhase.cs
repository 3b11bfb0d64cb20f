namespace Dstack.TemporalServer.Engine;

/// <summary>Where the run's workflow task is.</summary>
internal enum WftPhase
{
    None,
    Scheduled,
    Started,
}
