namespace Dstack.Core.Storage;

/// <summary>An object in storage could not be used: it is corrupt, or written by an incompatible version.</summary>
public sealed class StorageException : DstackException
{
    /// <summary>Creates the exception for the object at <paramref name="key"/>.</summary>
    public StorageException(string key, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Key = key;
    }

    /// <summary>Gets the key of the object concerned.</summary>
    public string Key { get; }
}
