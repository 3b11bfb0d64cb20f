using System.Globalization;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;

namespace Dstack.Core.Backends;

/// <summary>Checks what a machine has against what a run asks for, in words users can act on.</summary>
public static class ResourceMatcher
{
    /// <summary>Lists each requirement of <paramref name="request"/> that <paramref name="machine"/> does not meet (empty: it fits).</summary>
    /// <param name="request">What the run asks for.</param>
    /// <param name="machine">What the machine has.</param>
    /// <param name="checkMaximums">
    /// Whether upper bounds count. They pick an instance size when a backend provisions one; an existing machine
    /// (this one, an SSH host) with more than the maximum still runs the job, so such backends pass false.
    /// </param>
    public static IReadOnlyList<string> Unmet(ResourceRequest request, MachineResources machine, bool checkMaximums = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(machine);
        var unmet = new List<string>();

        if (request.CpuMin is { } cpuMin && machine.Cpus < cpuMin)
        {
            unmet.Add($"asked for {Plural(cpuMin, "CPU")}{(request.CpuMax is null ? " or more" : string.Empty)}, has {machine.Cpus}");
        }

        if (checkMaximums && request.CpuMax is { } cpuMax && machine.Cpus > cpuMax)
        {
            unmet.Add($"asked for at most {Plural(cpuMax, "CPU")}, has {machine.Cpus}");
        }

        if (request.MemoryMinBytes is { } memoryMin && machine.MemoryBytes < memoryMin)
        {
            unmet.Add($"asked for {Size(memoryMin)} of memory or more, has {Size(machine.MemoryBytes)}");
        }

        if (checkMaximums && request.MemoryMaxBytes is { } memoryMax && machine.MemoryBytes > memoryMax)
        {
            unmet.Add($"asked for at most {Size(memoryMax)} of memory, has {Size(machine.MemoryBytes)}");
        }

        if (request.DiskMinBytes is { } diskMin && machine.DiskBytes < diskMin)
        {
            unmet.Add($"asked for {Size(diskMin)} of disk or more, has {Size(machine.DiskBytes)} free");
        }

        if (request.WantsGpu || request.GpuCountMax is not null)
        {
            CheckGpus(request, machine, checkMaximums, unmet);
        }

        return unmet;
    }

    /// <summary>Describes a machine's resources for messages (<c>2 CPUs, 16GB RAM, no GPU, 100GB disk</c>).</summary>
    public static string Describe(MachineResources machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var gpus = machine.Gpus.Count == 0
            ? "no GPU"
            : string.Join(", ", machine.Gpus.GroupBy(g => (g.Name, g.MemoryBytes)).Select(g => $"{g.Count()}x {g.Key.Name} ({Size(g.Key.MemoryBytes)})"));
        return $"{Plural(machine.Cpus, "CPU")}, {Size(machine.MemoryBytes)} RAM, {gpus}, {Size(machine.DiskBytes)} disk";
    }

    private static void CheckGpus(ResourceRequest request, MachineResources machine, bool checkMaximums, List<string> unmet)
    {
        var matching = machine.Gpus.Count(g => GpuMatches(request, g));
        var min = request.GpuCountMin ?? (request.WantsGpu ? 1 : 0);
        var what = new List<string>();
        if (request.GpuNames.Count > 0)
        {
            what.Add(string.Join(" or ", request.GpuNames));
        }

        if (request.GpuMemoryMinBytes is not null || request.GpuMemoryMaxBytes is not null)
        {
            what.Add($"{(request.GpuMemoryMinBytes is { } lo ? Size(lo) : string.Empty)}..{(request.GpuMemoryMaxBytes is { } hi ? Size(hi) : string.Empty)}");
        }

        var kind = what.Count == 0 ? string.Empty : $" ({string.Join(", ", what)})";
        var has = what.Count == 0 || machine.Gpus.Count == matching
            ? $"has {matching}"
            : $"has {matching} matching of {machine.Gpus.Count} ({string.Join(", ", machine.Gpus.Select(g => $"{g.Name} {Size(g.MemoryBytes)}"))})";
        if (matching < min)
        {
            unmet.Add($"asked for {Plural(min, "GPU")}{kind}, {has}");
        }
        else if (checkMaximums && request.GpuCountMax is { } max && matching > max)
        {
            unmet.Add($"asked for at most {Plural(max, "GPU")}{kind}, {has}");
        }
    }

    private static bool GpuMatches(ResourceRequest request, GpuInfo gpu) =>
        (request.GpuNames.Count == 0 || request.GpuNames.Any(n => KnownGpus.Matches(n, gpu.Name)))
        && (request.GpuMemoryMinBytes is not { } min || gpu.MemoryBytes >= min)
        && (request.GpuMemoryMaxBytes is not { } max || gpu.MemoryBytes <= max);

    private static string Plural(int count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + noun + (count == 1 ? string.Empty : "s");

    private static string Size(long bytes) => new MemorySize(bytes).ToString();
}
