namespace Dstack.TemporalServer.Schedules;

/// <summary>What the overlap policies make of the buffer: what to start now, what waits, and what to stop.</summary>
/// <param name="Overlapping">ALLOW_ALL starts, which start whatever runs.</param>
/// <param name="NonOverlapping">The one start that may begin now under the other policies, if any.</param>
/// <param name="Remaining">Starts that wait for the running workflow to close.</param>
/// <param name="CancelRunning">CANCEL_OTHER asks the running workflow to cancel.</param>
/// <param name="TerminateRunning">TERMINATE_OTHER terminates the running workflow.</param>
/// <param name="Skipped">Starts dropped by SKIP and BUFFER_ONE.</param>
internal sealed record OverlapDecision(
    IReadOnlyList<BufferedStart> Overlapping,
    BufferedStart? NonOverlapping,
    IReadOnlyList<BufferedStart> Remaining,
    bool CancelRunning,
    bool TerminateRunning,
    long Skipped);
