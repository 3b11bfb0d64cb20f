namespace Dstack.TemporalServer.Tests.Persistence;

/// <summary>The system clock, moved forward by <see cref="Offset"/>: a server started after the move sees time that passed while it was down.</summary>
public sealed class ShiftedTimeProvider : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
