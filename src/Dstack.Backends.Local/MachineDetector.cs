using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Dstack.Core.Backends;

namespace Dstack.Backends.Local;

/// <summary>Finds what this machine has: CPUs, memory (<c>/proc/meminfo</c>), free disk, NVIDIA GPUs (<c>nvidia-smi</c>).</summary>
public sealed class MachineDetector
{
    private const long MiB = 1024L * 1024;

    private readonly string _nvidiaSmi;

    /// <summary>Creates a detector that runs <paramref name="nvidiaSmi"/> to list GPUs.</summary>
    public MachineDetector(string nvidiaSmi = "nvidia-smi")
    {
        ArgumentException.ThrowIfNullOrEmpty(nvidiaSmi);
        _nvidiaSmi = nvidiaSmi;
    }

    /// <summary>Detects this machine's resources; the disk is the free space where <paramref name="diskPath"/> lives.</summary>
    public async Task<MachineResources> DetectAsync(string diskPath, CancellationToken cancellationToken = default)
    {
        var memory = File.Exists("/proc/meminfo")
            ? ParseMemInfo(await File.ReadAllTextAsync("/proc/meminfo", cancellationToken).ConfigureAwait(false))
            : 0;
        Directory.CreateDirectory(diskPath);
        var disk = new DriveInfo(Path.GetFullPath(diskPath)).AvailableFreeSpace;
        var gpus = await DetectGpusAsync(cancellationToken).ConfigureAwait(false);
        return new MachineResources(Environment.ProcessorCount, memory, gpus, disk);
    }

    /// <summary>Reads <c>MemTotal</c> (in kB) from the text of <c>/proc/meminfo</c>, in bytes; 0 when absent.</summary>
    public static long ParseMemInfo(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                var parts = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb))
                {
                    return kb * 1024;
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// Parses <c>nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits</c> output: one
    /// <c>NAME, MiB</c> line per GPU. Lines that do not parse are skipped.
    /// </summary>
    public static IReadOnlyList<GpuInfo> ParseNvidiaSmi(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var gpus = new List<GpuInfo>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // The name may itself hold commas in theory; the memory is always the last field.
            var comma = line.LastIndexOf(',');
            if (comma <= 0)
            {
                continue;
            }

            var name = line[..comma].Trim();
            if (name.Length > 0 && long.TryParse(line[(comma + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var mib))
            {
                gpus.Add(new GpuInfo(name, mib * MiB));
            }
        }

        return gpus;
    }

    private async Task<IReadOnlyList<GpuInfo>> DetectGpusAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_nvidiaSmi)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--query-gpu=name,memory.total");
        start.ArgumentList.Add("--format=csv,noheader,nounits");
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception)
        {
            return []; // no nvidia-smi: no NVIDIA GPU (or no driver, which amounts to the same for jobs)
        }

        if (process is null)
        {
            return [];
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            _ = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return process.ExitCode == 0 ? ParseNvidiaSmi(await output.ConfigureAwait(false)) : [];
        }
    }
}
