namespace Dstack.Core.Backends;

/// <summary>What a machine has.</summary>
public sealed record MachineResources(int Cpus, long MemoryBytes, IReadOnlyList<GpuInfo> Gpus, long DiskBytes);
