using System.Globalization;
using Dstack.Core.Runs;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>
/// Refuses a workflow whose run spec could not travel through Temporal (<see cref="RunSpecLimits"/>), at the key that makes
/// it too big, so that <c>validate</c> finds it rather than <c>run</c> failing on Temporal's blob size limit. Setup, commands
/// and env never make a workflow too big: over <see cref="RunSpecLimits.InlineScriptBytes"/> they go through storage.
/// </summary>
internal static class WorkflowSizeCheck
{
    private const int KiB = 1024;

    /// <summary>The members of a spec that no key sets (repository, code hash, resources, user, times), generously.</summary>
    private const int FixedBytes = 4 * KiB;

    /// <summary>The JSON around each item of a list of records (<c>{"path":…,"mount":false},</c>).</summary>
    private const int RecordItemBytes = 32;

    public static void Check(NodeReader reader, YamlMappingNode map, string path, WorkflowSpec spec)
    {
        var script = new RunScript
        {
            Setup = [.. spec.Setup.Select(t => t.Text)],
            Commands = [.. spec.Commands.Select(t => t.Text)],
            Env = spec.Env.ToDictionary(v => v.Name, v => v.Value?.Text ?? string.Empty, StringComparer.Ordinal),
        }.EstimatedJsonBytes();
        var inlineScript = script <= RunSpecLimits.InlineScriptBytes;
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            ["name"] = JsonTextSize.Of(spec.Name),
            ["artifacts"] = spec.Artifacts.Sum(a => JsonTextSize.Of(a.Path.Text) + RecordItemBytes),
            ["deps"] = spec.Deps.Sum(d => JsonTextSize.Of(d.Value) + RecordItemBytes),
            ["secrets"] = spec.Secrets.Sum(s => JsonTextSize.Of(s) + 1),
            ["regions"] = spec.Regions.Sum(r => JsonTextSize.Of(r) + 1),
            ["ports"] = spec.Ports is null ? 0 : Math.Max(spec.Ports.Count, spec.Ports.Numbers.Count) * 6L,
            ["image"] = JsonTextSize.Of(spec.Image),
            ["working_dir"] = JsonTextSize.Of(spec.WorkingDir?.Text),
            ["requirements"] = JsonTextSize.Of(spec.Requirements),
            ["conda"] = JsonTextSize.Of(spec.Conda),
            ["commands"] = inlineScript ? script : 0,
        };
        var total = FixedBytes + sizes.Values.Sum();
        if (total <= RunSpecLimits.InlineSpecBytes)
        {
            return;
        }

        var (key, size) = sizes.MaxBy(s => s.Value);
        var node = map.Children.Keys.OfType<YamlScalarNode>().FirstOrDefault(k => k.Value == key) ?? (YamlNode)map;
        reader.Error(node, NodeReader.Child(path, key), string.Create(CultureInfo.InvariantCulture,
            $"workflow '{spec.Name}' is too big to run: its run spec would take about {Kib(total)} KiB in Temporal, {Kib(size)} KiB of it for '{key}', "
            + $"over the {Kib(RunSpecLimits.InlineSpecBytes)} KiB a run spec may take there: it is the input of the run's workflow and of each of its job activities, "
            + $"and Temporal refuses any payload over {RunSpecLimits.PayloadBytes / KiB / KiB} MiB (the server's blob size limit); shorten '{key}' "
            + $"(setup, commands and env may be of any size: over {Kib(RunSpecLimits.InlineScriptBytes)} KiB they go through storage)"));
    }

    private static long Kib(long bytes) => (bytes + KiB - 1) / KiB;
}
