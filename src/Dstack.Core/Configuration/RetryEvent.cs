namespace Dstack.Core.Configuration;

/// <summary>A failure a run may be retried on.</summary>
public enum RetryEvent
{
    /// <summary><c>no-capacity</c>: no offer got capacity.</summary>
    NoCapacity,

    /// <summary><c>interruption</c>: a spot instance was interrupted.</summary>
    Interruption,

    /// <summary><c>error</c>: the job exited with a non-zero code.</summary>
    Error,
}
