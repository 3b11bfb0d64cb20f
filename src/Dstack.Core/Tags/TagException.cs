namespace Dstack.Core.Tags;

/// <summary>A tag cannot be written, read or used; the message names it and says what to do.</summary>
public sealed class TagException(string message) : DstackException(message);
