namespace Dstack.Core.Storage;

/// <summary>An object in storage: its key (slash-separated), size in bytes, and when it was last written.</summary>
public sealed record StorageObject(string Key, long Size, DateTimeOffset LastModified = default);
