namespace Dstack.Core.Storage;

/// <summary>An object in storage: its key (slash-separated) and size in bytes.</summary>
public sealed record StorageObject(string Key, long Size);
