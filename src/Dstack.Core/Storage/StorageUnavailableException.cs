namespace Dstack.Core.Storage;

/// <summary>The storage refused or could not serve a request: unreachable, no such bucket, access denied.</summary>
public sealed class StorageUnavailableException : DstackException
{
    /// <summary>Creates the exception for <paramref name="location"/>.</summary>
    public StorageUnavailableException(string location, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Location = location;
    }

    /// <summary>Gets the storage concerned, e.g. <c>s3://bucket/prefix</c>.</summary>
    public string Location { get; }
}
