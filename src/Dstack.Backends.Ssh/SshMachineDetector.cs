using System.Globalization;
using Dstack.Core.Backends;
using Dstack.Core.Instances;

namespace Dstack.Backends.Ssh;

/// <summary>Finds what a host has, over its shell: CPUs (<c>nproc</c>), memory (<c>/proc/meminfo</c>), free disk, NVIDIA GPUs (<c>nvidia-smi</c>).</summary>
internal static class SshMachineDetector
{
    private const long KiB = 1024;
    private const long MiB = 1024 * KiB;

    /// <summary>Detects the resources of the shell's host; the disk is the free space of its dstack folder.</summary>
    public static async Task<MachineResources> DetectAsync(IInstanceShell shell, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var result = await shell.RunAsync(
            $$"""
            echo "cpus $(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
            echo "memory $(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null)"
            echo "disk $(df -Pk {{ShellQuoting.Quote(shell.DstackDirectory)}} 2>/dev/null | awk 'NR == 2 {print $4}')"
            if command -v nvidia-smi > /dev/null 2>&1; then
              nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits 2>/dev/null | sed 's/^/gpu /' || true
            fi
            """,
            cancellationToken).ConfigureAwait(false);
        return Parse(result.Stdout);
    }

    /// <summary>Parses the detection script's output: <c>cpus N</c>, <c>memory KB</c>, <c>disk KB</c>, <c>gpu NAME, MiB</c> lines.</summary>
    public static MachineResources Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        int cpus = 0;
        long memory = 0, disk = 0;
        var gpus = new List<GpuInfo>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                continue;
            }

            var (key, value) = (line[..space], line[(space + 1)..].Trim());
            switch (key)
            {
                case "cpus":
                    _ = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out cpus);
                    break;
                case "memory":
                    memory = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * KiB : 0;
                    break;
                case "disk":
                    disk = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var free) ? free * KiB : 0;
                    break;
                case "gpu":
                    // The memory is the last field; a name might hold a comma.
                    var comma = value.LastIndexOf(',');
                    if (comma > 0 && long.TryParse(value[(comma + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var mib))
                    {
                        gpus.Add(new GpuInfo(value[..comma].Trim(), mib * MiB));
                    }

                    break;
            }
        }

        return new MachineResources(cpus, memory, gpus, disk);
    }
}
