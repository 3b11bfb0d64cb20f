namespace Dstack.Core.Instances;

/// <summary>How a wait for a file's lock ended (<see cref="IInstanceShell.WaitForUnlockAsync"/>).</summary>
public enum LockWait
{
    /// <summary>No process holds the lock (any more).</summary>
    Unlocked,

    /// <summary>The lock was still held when the wait's time was up.</summary>
    TimedOut,

    /// <summary>The machine could not wait now (no free channel, no <c>flock</c>, no connection): look instead.</summary>
    Unavailable,
}
