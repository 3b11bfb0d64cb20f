namespace Dstack.Workflows.Activities;

/// <summary>Settings of the run activities.</summary>
/// <param name="UnreachableGracePeriod">
/// How long a running job's machine may stay unreachable (the activity keeps heartbeating and reconnecting) before the run
/// fails with <c>instance-unreachable</c>. <value>The default value is 30 seconds.</value>
/// </param>
public sealed record RunActivitiesOptions(TimeSpan UnreachableGracePeriod)
{
    /// <summary>Gets where the key that decrypts secrets comes from; null when the worker has none (workflows that name secrets then fail).</summary>
    public Core.Secrets.SecretKeySource? SecretKeys { get; init; }

    /// <summary>Gets how often <c>mount: true</c> artifacts are synced while a job runs. <value>The default value is 3 seconds.</value></summary>
    public TimeSpan MountSyncInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets the defaults.</summary>
    public static RunActivitiesOptions Default { get; } = new(TimeSpan.FromSeconds(30));
}
