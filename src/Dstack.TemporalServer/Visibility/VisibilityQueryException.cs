namespace Dstack.TemporalServer.Visibility;

// Message is what the real server puts after "invalid query: " in its InvalidArgument status,
// so the gRPC layer can prepend that prefix and clients see the same text as with real Temporal.
internal sealed class VisibilityQueryException : Exception
{
    public VisibilityQueryException()
    {
    }

    public VisibilityQueryException(string message)
        : base(message)
    {
    }

    public VisibilityQueryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
