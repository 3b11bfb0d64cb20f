namespace Dstack.TemporalServer.Persistence;

/// <summary>The database cannot be used as it is (not SQLite, not ours, newer, corrupt or in use); it is left untouched.</summary>
public sealed class ServerStoreException : Exception
{
    public ServerStoreException()
    {
    }

    public ServerStoreException(string message)
        : base(message)
    {
    }

    public ServerStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
