using System.Text;
using Dstack.Core.Configuration;

namespace Dstack.Core.Runs;

/// <summary>Turns a validated workflow into the <see cref="RunSpec"/> of one run: rendered, overridden, with files read.</summary>
public static class RunSpecFactory
{
    /// <summary>Builds the spec. <paramref name="environment"/> resolves <c>env</c> entries written without a value.</summary>
    public static RunSpec Create(
        WorkflowSpec workflow,
        RunContext context,
        string repoDirectory,
        RepoInfo repo,
        string codeHash,
        RunOverrides overrides,
        string user,
        DateTimeOffset submittedAt,
        Func<string, string?> environment)
    {
        var resources = ResourceOverrides.Apply(workflow.Resources, overrides);
        var spotPolicy = overrides.SpotPolicy
            ?? (resources.Interruptible && workflow.SpotPolicy == SpotPolicy.OnDemand ? SpotPolicy.Spot : workflow.SpotPolicy);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in workflow.Env)
        {
            env[variable.Name] = variable.Value?.Render(context)
                ?? environment(variable.Name)
                ?? throw new RunSpecException($"{workflow.Source}: env: '{variable.Name}' has no value in the workflow and is not set in your environment; set it (export {variable.Name}=...) or give it a value.");
        }

        return new RunSpec
        {
            RunName = context.RunName,
            WorkflowName = workflow.Name,
            Provider = workflow.Provider,
            Repo = repo,
            CodeHash = codeHash,
            Setup = [.. workflow.Setup.Select(c => c.Render(context))],
            Commands = [.. workflow.Commands.Select(c => c.Render(context))],
            Python = workflow.Python?.ToString(),
            Requirements = ReadRepoFile(repoDirectory, workflow.Requirements, "requirements", workflow),
            RequirementsPath = workflow.Requirements,
            Conda = ReadRepoFile(repoDirectory, workflow.Conda, "conda", workflow),
            CondaPath = workflow.Conda,
            Image = workflow.Image,
            Env = env,
            Secrets = workflow.Secrets,
            WorkingDir = workflow.WorkingDir?.Render(context),
            Ports = workflow.Ports is null ? [] : workflow.Ports.Numbers.Count > 0 ? workflow.Ports.Numbers : [.. Enumerable.Repeat(0, workflow.Ports.Count)],
            Artifacts = [.. workflow.Artifacts.Select(a => new ArtifactRef(a.Path.Render(context), a.Mount))],
            Deps = [.. workflow.Deps.Select(d => new DepRef(d.Kind switch { DepKind.Workflow => "workflow", DepKind.Tag => "tag", _ => "run" }, d.Value))],
            Resources = ResourceRequestFactory.Create(resources),
            SpotPolicy = spotPolicy,
            RetryOnEvents = workflow.Retry is null ? [] : [.. workflow.Retry.OnEvents.Select(e => e.ToConfigName())],
            RetryDuration = workflow.Retry?.Duration,
            MaxPrice = workflow.MaxPrice,
            MaxDuration = workflow.MaxDuration,
            IdleDuration = workflow.IdleDuration,
            Backends = [.. workflow.Backends.Select(b => b.ToConfigName())],
            Regions = workflow.Regions,
            Args = context.Args,
            User = user,
            SubmittedAt = submittedAt,
        };
    }

    private static string? ReadRepoFile(string repoDirectory, string? path, string key, WorkflowSpec workflow)
    {
        if (path is null)
        {
            return null;
        }

        var full = Path.GetFullPath(Path.Combine(repoDirectory, path));
        return File.Exists(full)
            ? File.ReadAllText(full, Encoding.UTF8)
            : throw new RunSpecException($"{workflow.Source}: {key}: the file '{path}' does not exist in the repository.");
    }
}
