using System.Globalization;
using System.Text;
using Dstack.Core.Configuration;

namespace Dstack.Core.Runs;

/// <summary>
/// Reads the resource options of <c>dstack run</c> and <c>dstack offers</c> (<c>--gpu</c>, <c>--cpu</c>, <c>--memory</c>,
/// <c>--disk</c>) with the workflow parser, so that they accept exactly what <c>resources</c> accepts in YAML.
/// </summary>
public static class ResourceOverrides
{
    private const string Source = "command line";
    private const string ResourcesPath = "workflows[0].resources.";

    /// <summary>Returns <paramref name="resources"/> with each resource that <paramref name="overrides"/> sets replaced.</summary>
    /// <exception cref="ConfigurationException">An option's value is invalid; each error names the option (<c>--gpu</c>).</exception>
    public static ResourceSpec Apply(ResourceSpec resources, RunOverrides overrides)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(overrides);
        if (overrides.Gpu is null && overrides.Memory is null && overrides.Cpu is null && overrides.Disk is null)
        {
            return resources;
        }

        var yaml = new StringBuilder("workflows:\n  - name: overrides\n    provider: bash\n    commands: [\"true\"]\n    resources:\n");
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"      {key}: \"{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"\n");
            }
        }

        Add("gpu", overrides.Gpu);
        Add("memory", overrides.Memory);
        Add("cpu", overrides.Cpu);
        Add("disk", overrides.Disk);
        ResourceSpec parsed;
        try
        {
            parsed = WorkflowLoader.Parse([new WorkflowSource(Source, yaml.ToString())])[0].Resources;
        }
        catch (ConfigurationException e)
        {
            // The lines and columns are those of the YAML written above, which the user never saw: name the option instead.
            throw new ConfigurationException([.. e.Errors.Select(error => error with { Line = 0, Column = 0, Path = Option(error.Path) })]);
        }

        return resources with
        {
            Gpu = overrides.Gpu is null ? resources.Gpu : parsed.Gpu,
            Memory = overrides.Memory is null ? resources.Memory : parsed.Memory,
            Cpu = overrides.Cpu is null ? resources.Cpu : parsed.Cpu,
            Disk = overrides.Disk is null ? resources.Disk : parsed.Disk,
        };
    }

    private static string Option(string path) =>
        path.StartsWith(ResourcesPath, StringComparison.Ordinal) ? "--" + path[ResourcesPath.Length..] : path;
}
