using Dstack.Core.Configuration;

namespace Dstack.Cli;

/// <summary>One-line summaries of resources, e.g. <c>2.. CPU, 16GB.. RAM, A100:80GB:2</c>.</summary>
internal static class ResourceSummary
{
    public static string Format(ResourceSpec resources)
    {
        var parts = new List<string>();
        if (resources.Cpu is not null)
        {
            parts.Add($"{resources.Cpu} CPU");
        }

        if (resources.Memory is not null)
        {
            parts.Add($"{resources.Memory} RAM");
        }

        if (resources.Gpu is not null)
        {
            parts.Add(resources.Gpu.ToString());
        }

        if (resources.ShmSize is { } shm)
        {
            parts.Add($"{shm} shm");
        }

        if (resources.Disk is not null)
        {
            parts.Add($"{resources.Disk} disk");
        }

        if (resources.Interruptible)
        {
            parts.Add("spot");
        }

        return parts.Count == 0 ? "-" : string.Join(", ", parts);
    }
}
