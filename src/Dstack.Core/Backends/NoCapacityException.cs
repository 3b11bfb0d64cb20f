namespace Dstack.Core.Backends;

/// <summary>A backend has no capacity for an offer now; the run workflow tries the next offer or backs off.</summary>
public sealed class NoCapacityException : DstackException
{
    public NoCapacityException(string message)
        : base(message)
    {
    }

    public NoCapacityException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
