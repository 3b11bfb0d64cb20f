using System.Diagnostics;
using Dstack.Core;
using Dstack.Core.Archives;
using Dstack.Core.Artifacts;
using Dstack.Core.Instances;
using Dstack.Core.Jobs;
using Dstack.Core.Runs;
using Dstack.Core.Secrets;
using Dstack.Core.Storage;
using Dstack.Core.Tags;
using Dstack.Workflows.Contracts;
using Microsoft.Extensions.Logging;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Dstack.Workflows.Activities;

/// <summary>The run's inputs and data: dependencies, tags, secrets and <c>mount: true</c> artifacts.</summary>
public sealed partial class RunActivities
{
    /// <summary>
    /// Before any machine is asked for: resolves <c>deps</c> to exact runs, checks that the secrets the workflow names
    /// exist (by name; values are read only by the activity that starts the job), and writes the run's tag.
    /// </summary>
    [Activity]
    public async Task<ResolveInputsResult> ResolveInputsAsync(RunSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        try
        {
            var deps = await new DependencyResolver(storage).ResolveAsync(spec.Deps, spec.Repo.RepoId, CancellationToken);
            var secrets = new SecretStore(storage, options.SecretKeys ?? new SecretKeySource(string.Empty, null));
            var missing = new List<string>();
            foreach (var name in spec.Secrets)
            {
                if (!await secrets.ExistsAsync(name, CancellationToken))
                {
                    missing.Add(name);
                }
            }

            if (missing.Count > 0)
            {
                return new ResolveInputsResult(deps, $"secrets: {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not set; add {(missing.Count == 1 ? "it" : "them")} with `dstack secrets add NAME`.");
            }

            if (spec.Tag is { } tag)
            {
                await new TagStore(storage).WriteAsync(new TagRecord(tag, spec.RunName, spec.SubmittedAt, TagRecord.RunSource), CancellationToken);
            }

            return new ResolveInputsResult(deps, null);
        }
        catch (Exception e) when (e is DependencyException or TagException or SecretException)
        {
            return new ResolveInputsResult([], e.Message);
        }
    }

    /// <summary>Whether <see cref="PlaceInputsAsync"/> has anything to place: dependencies' artifacts or mounted ones.</summary>
    private static bool HasInputs(RunSpec spec) => MountedPaths(spec).Count > 0 || ResolvedDeps(spec).Count > 0;

    /// <summary>The paths of the run's <c>mount: true</c> artifacts.</summary>
    private static List<string> MountedPaths(RunSpec spec) => [.. spec.Artifacts.Where(a => a.Mount).Select(a => a.Path)];

    /// <summary>The dependencies resolved to a run (before the run started, by <see cref="ResolveInputsAsync"/>).</summary>
    private static List<DepRef> ResolvedDeps(RunSpec spec) => [.. spec.Deps.Where(d => d.Run is not null)];

    /// <summary>Places the dependencies' artifacts and the run's last checkpoint into the job's working directory.</summary>
    private async Task PlaceInputsAsync(IInstanceShell shell, JobRunner job, RunSpec spec)
    {
        var mounted = MountedPaths(spec);
        if (mounted.Count > 0)
        {
            await new MountSync(shell, storage, job, mounted, spec.WorkingDir).RestoreAsync(CancellationToken);
        }

        var deps = ResolvedDeps(spec);
        if (deps.Count == 0)
        {
            return;
        }

        var temp = Directory.CreateTempSubdirectory("dstack-deps-");
        try
        {
            var root = Path.Combine(temp.FullName, "files");
            Directory.CreateDirectory(root);
            var artifacts = new ArtifactStore(storage);
            var files = new List<string>();
            foreach (var dep in deps)
            {
                try
                {
                    var index = await artifacts.DownloadAsync(dep.Run!, StorageLayout.MainJob, root, progress: null, CancellationToken); // filtered above
                    files.AddRange(index.Files.Select(f => f.Path));
                }
                catch (ArtifactIntegrityException e)
                {
                    throw new ApplicationFailureException($"deps: {dep.Display}: {e.Message}", errorType: FailureReason.Error, nonRetryable: true);
                }
            }

            await using var archive = new FileStream(Path.Combine(temp.FullName, "deps.tar.gz"), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
            // The files carry the times their runs wrote them (restored by the download): tar on the instance keeps them.
            await DeterministicArchive.WriteAsync(root, files, archive, keepModificationTimes: true, CancellationToken);
            archive.Position = 0;
            await job.UnpackAsync(archive, spec.WorkingDir, CancellationToken);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }

    /// <summary>Reads the values of the secrets the workflow names, here in the activity that starts the job and nowhere else.</summary>
    private async Task<IReadOnlyDictionary<string, string>?> ReadSecretsAsync(RunSpec spec)
    {
        if (spec.Secrets.Count == 0)
        {
            return null;
        }

        var store = new SecretStore(storage, options.SecretKeys ?? new SecretKeySource(string.Empty, null));
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in spec.Secrets)
        {
            try
            {
                values[name] = await store.GetAsync(name, CancellationToken)
                    ?? throw new SecretException($"the secret '{name}' is not set; add it with `dstack secrets add {name}`.");
            }
            catch (SecretException e)
            {
                throw new ApplicationFailureException(e.Message, errorType: FailureReason.Config, nonRetryable: true);
            }
        }

        return values;
    }

    /// <summary>The sync of the run's <c>mount: true</c> artifacts, or null when it has none.</summary>
    private MountSync? CreateMountSync(IInstanceShell shell, JobRunner job, RunSpec spec)
    {
        var mounted = MountedPaths(spec);
        return mounted.Count == 0 ? null : new MountSync(shell, storage, job, mounted, spec.WorkingDir);
    }

    /// <summary>Syncs the mounted artifacts when <paramref name="force"/> or when the interval has passed since <paramref name="last"/>.</summary>
    private async Task SyncMountsAsync(MountSync? mounts, bool force, Func<long> last, Action<long> setLast)
    {
        if (mounts is null || (!force && Stopwatch.GetElapsedTime(last()) < options.MountSyncInterval))
        {
            return;
        }

        try
        {
            await mounts.SyncAsync(CancellationToken);
        }
        catch (JobException e)
        {
            // A failed pass must not fail the job (the artifacts are still uploaded when it ends); the next pass retries.
            ActivityExecutionContext.Current.Logger.LogWarning("Syncing the mounted artifacts failed: {Message}", e.Message);
        }

        setLast(Stopwatch.GetTimestamp());
    }
}
