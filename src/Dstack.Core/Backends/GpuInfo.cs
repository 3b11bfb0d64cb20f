namespace Dstack.Core.Backends;

/// <summary>One GPU of a machine or an offer.</summary>
public sealed record GpuInfo(string Name, long MemoryBytes);
