namespace Dstack.Workflows.Activities;

/// <summary>Settings of the run activities.</summary>
/// <param name="UnreachableGracePeriod">
/// How long a running job's machine may stay unreachable (the activity keeps heartbeating and reconnecting) before the run
/// fails with <c>instance-unreachable</c>. <value>The default value is 30 seconds.</value>
/// </param>
public sealed record RunActivitiesOptions(TimeSpan UnreachableGracePeriod)
{
    /// <summary>Gets the defaults.</summary>
    public static RunActivitiesOptions Default { get; } = new(TimeSpan.FromSeconds(30));
}
