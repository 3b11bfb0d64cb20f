namespace Dstack.Core.Archives;

/// <summary>An archive holds an entry that would be written outside the folder it is extracted into.</summary>
public sealed class UnsafeArchiveException : DstackException
{
    /// <summary>Creates the exception for <paramref name="entryName"/>.</summary>
    public UnsafeArchiveException(string entryName, string reason)
        : base($"The archive entry '{entryName}' was refused: {reason}. Nothing outside the target folder may be written.")
    {
        EntryName = entryName;
    }

    /// <summary>Gets the entry's name as stored in the archive.</summary>
    public string EntryName { get; }
}
