namespace Dstack.Core.Instances;

/// <summary>
/// A machine does not answer (no route, connection refused or dropped, an operation that timed out). It may come back:
/// the job protocol keeps retrying for a grace period before the run fails with <c>instance-unreachable</c>.
/// </summary>
public sealed class InstanceUnreachableException : DstackException
{
    /// <summary>Creates the exception for <paramref name="instance"/> with a message for the user.</summary>
    public InstanceUnreachableException(string instance, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(instance);
        Instance = instance;
    }

    /// <summary>Gets the machine that did not answer, as users know it (<c>user@host:port</c>).</summary>
    public string Instance { get; }
}
