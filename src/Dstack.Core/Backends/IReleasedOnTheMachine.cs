namespace Dstack.Core.Backends;

/// <summary>
/// A backend whose release is a few shell lines on the machine itself (the SSH backend removes its claim folder): a job's
/// clean-up and the release then go as one command, a shell and a round trip fewer at the end of every job, which the next
/// run in the capacity queue is waiting for.
/// </summary>
public interface IReleasedOnTheMachine
{
    /// <summary>
    /// Gets the shell lines that release <paramref name="instance"/>, for a shell on it whose dstack folder is
    /// <paramref name="dstackDirectory"/>. They run last, from any working directory, and end the shell with status 0;
    /// they do what <see cref="IBackend.ReleaseAsync"/> does, so either may release a machine the other released before.
    /// </summary>
    string ReleaseScript(Instance instance, string dstackDirectory);
}
