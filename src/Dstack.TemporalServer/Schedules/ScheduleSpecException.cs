namespace Dstack.TemporalServer.Schedules;

/// <summary>A schedule spec real Temporal refuses; the message is its error text, answered as "Invalid schedule spec: ...".</summary>
internal sealed class ScheduleSpecException : Exception
{
    public ScheduleSpecException()
    {
    }

    public ScheduleSpecException(string message)
        : base(message)
    {
    }

    public ScheduleSpecException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
