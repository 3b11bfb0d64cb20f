namespace Dstack.Core.Tags;

/// <summary>A tag cannot be written, read or used; the message names it and says what to do.</summary>
/// <param name="message">What went wrong and what to do.</param>
/// <param name="isBadName">Whether the tag name itself is not valid (a mistake in the command line, not in the storage).</param>
public sealed class TagException(string message, bool isBadName = false) : DstackException(message)
{
    /// <summary>Gets a value indicating whether the tag name itself is not valid.</summary>
    public bool IsBadName { get; } = isBadName;
}
