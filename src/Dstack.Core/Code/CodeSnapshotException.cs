namespace Dstack.Core.Code;

/// <summary>The code could not be snapshotted (Git failed, the folder is missing).</summary>
public sealed class CodeSnapshotException : DstackException
{
    /// <summary>Creates the exception with a message for the user.</summary>
    public CodeSnapshotException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
