using Dstack.Core.Configuration.Parsing;

namespace Dstack.Core.Configuration;

/// <summary>Loads the workflows of a repository: <c>.dstack/workflows.yaml</c> and <c>.dstack/workflows/*.y(a)ml</c>, merged.</summary>
public static class WorkflowLoader
{
    /// <summary>The main workflows file, relative to the repository root.</summary>
    public const string MainFile = ".dstack/workflows.yaml";

    /// <summary>The folder of further workflows files, relative to the repository root.</summary>
    public const string Folder = ".dstack/workflows";

    /// <summary>Reads and validates every workflows file of the repository at <paramref name="repoDirectory"/>.</summary>
    /// <returns>The workflows, main file first, then the folder's files in name order.</returns>
    /// <exception cref="ConfigurationException">Any file is invalid, or there is none; lists every error found.</exception>
    public static IReadOnlyList<WorkflowSpec> Load(string repoDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(repoDirectory);
        var sources = new List<WorkflowSource>();
        var main = Path.Combine(repoDirectory, MainFile);
        if (File.Exists(main))
        {
            sources.Add(new WorkflowSource(MainFile, File.ReadAllText(main)));
        }

        var folder = Path.Combine(repoDirectory, Folder);
        if (Directory.Exists(folder))
        {
            var files = Directory.EnumerateFiles(folder)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal);
            sources.AddRange(files.Select(f => new WorkflowSource($"{Folder}/{Path.GetFileName(f)}", File.ReadAllText(f))));
        }

        if (sources.Count == 0)
        {
            throw new ConfigurationException(
            [
                new ConfigError(MainFile, 0, 0, string.Empty,
                    $"no workflows found in '{Path.GetFullPath(repoDirectory)}': neither {MainFile} nor {Folder}/*.yaml exists; "
                    + "run dstack in a repository that has one (or pass --repo DIR)"),
            ]);
        }

        return Parse(sources);
    }

    /// <summary>Validates workflows files given as text and merges them.</summary>
    /// <exception cref="ConfigurationException">Any file is invalid, or two workflows share a name; lists every error found.</exception>
    public static IReadOnlyList<WorkflowSpec> Parse(IEnumerable<WorkflowSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var errors = new List<ConfigError>();
        var workflows = new List<WorkflowSpec>();
        var byName = new Dictionary<string, ParsedWorkflow>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            var fileErrors = new List<ConfigError>();
            foreach (var parsed in WorkflowFileParser.Parse(source, fileErrors))
            {
                if (byName.TryGetValue(parsed.Spec.Name, out var first))
                {
                    fileErrors.Add(new ConfigError(
                        source.File,
                        (int)parsed.NameMark.Line,
                        (int)parsed.NameMark.Column,
                        parsed.Path,
                        $"duplicate workflow name '{parsed.Spec.Name}'; first defined at {first.Spec.Source.File}:{first.NameMark.Line}:{first.NameMark.Column}"));
                    continue;
                }

                byName.Add(parsed.Spec.Name, parsed);
                workflows.Add(parsed.Spec);
            }

            errors.AddRange(fileErrors.OrderBy(e => e.Line).ThenBy(e => e.Column));
        }

        return errors.Count > 0 ? throw new ConfigurationException(errors) : workflows;
    }
}
