namespace Dstack.TemporalServer.Engine;

/// <summary>A placeholder for a timer not armed yet (a restored run before it resumes).</summary>
internal sealed class NoTimer : ITimer
{
    public static readonly NoTimer Instance = new();

    private NoTimer()
    {
    }

    public bool Change(TimeSpan dueTime, TimeSpan period) => false;

    public void Dispose()
    {
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
