using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Core.Tags;

namespace Dstack.Core.Artifacts;

/// <summary>
/// Turns <c>deps:</c> into exact runs, from storage alone (manifests and tags outlive Temporal): <c>{workflow: W}</c> is
/// the newest successful run of W in the same repository, <c>{tag: T}</c> the run the tag names, <c>{run: R}</c> R itself.
/// </summary>
public sealed class DependencyResolver(IStorage storage)
{
    /// <summary>Resolves every dependency of a run of the repository <paramref name="repoId"/>.</summary>
    /// <exception cref="DependencyException">A dependency names nothing usable; the message names it.</exception>
    public async Task<IReadOnlyList<DepRef>> ResolveAsync(IReadOnlyList<DepRef> deps, string repoId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deps);
        if (deps.Count == 0)
        {
            return [];
        }

        var manifests = new ManifestStore(storage);
        IReadOnlyList<RunManifest>? all = null;
        var resolved = new List<DepRef>();
        foreach (var dep in deps)
        {
            switch (dep.Kind)
            {
                case "workflow":
                    all ??= await manifests.ListAsync(cancellationToken);
                    var newest = all
                        .Where(m => m.Status == RunStatus.Done && m.Spec.WorkflowName == dep.Value && m.Spec.Repo.RepoId == repoId)
                        .OrderByDescending(m => m.FinishedAt ?? m.Spec.SubmittedAt)
                        .FirstOrDefault()
                        ?? throw new DependencyException($"deps: {dep.Display}: there is no successful run of the workflow '{dep.Value}' in this repository ({repoId}); run it first (`dstack run {dep.Value}`).");
                    resolved.Add(dep with { Run = newest.Spec.RunName });
                    break;

                case "tag":
                    TagStore.CheckName(dep.Value);
                    var tag = await new TagStore(storage).ReadAsync(dep.Value, cancellationToken)
                        ?? throw new DependencyException($"deps: {dep.Display}: there is no tag '{dep.Value}' in {storage.Location}; see `dstack tags list`, or add it (`dstack tags add {dep.Value} RUN`).");
                    await CheckUsableAsync(manifests, dep, tag.Run, cancellationToken);
                    resolved.Add(dep with { Run = tag.Run });
                    break;

                case "run":
                    await CheckUsableAsync(manifests, dep, dep.Value, cancellationToken);
                    resolved.Add(dep with { Run = dep.Value });
                    break;

                default:
                    throw new DependencyException($"deps: {dep.Display}: unknown kind '{dep.Kind}'; use workflow, tag or run.");
            }
        }

        return resolved;
    }

    /// <summary>A run is usable when it finished (its artifacts are final) or is an uploaded data set (artifacts, no manifest).</summary>
    private async Task CheckUsableAsync(ManifestStore manifests, DepRef dep, string run, CancellationToken cancellationToken)
    {
        var manifest = await manifests.ReadAsync(run, cancellationToken);
        if (manifest is null)
        {
            if (await storage.ExistsAsync(StorageLayout.ArtifactIndex(run, StorageLayout.MainJob), cancellationToken))
            {
                return;
            }

            throw new DependencyException($"deps: {dep.Display}: the run '{run}' does not exist in {storage.Location}; see `dstack ps -a`.");
        }

        if (!manifest.Status.IsFinished())
        {
            throw new DependencyException($"deps: {dep.Display}: the run '{run}' is still {manifest.Status.ToDisplayName()}; its artifacts are not final yet. Wait for it to finish.");
        }
    }
}
