using Dstack.Core.Artifacts;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Core.Tags;

namespace Dstack.Core.Tests.Artifacts;

public sealed class DependencyResolverTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static RunManifest Manifest(string run, string workflow, RunStatus status, int minute, string repo = "repo") => new()
    {
        Spec = new RunSpec
        {
            RunName = run,
            WorkflowName = workflow,
            Provider = WorkflowProvider.Bash,
            Repo = new RepoInfo(repo, null, null, null, false),
            CodeHash = "h",
            User = "u",
            SubmittedAt = DateTimeOffset.UnixEpoch.AddMinutes(minute),
        },
        Status = status,
        FinishedAt = DateTimeOffset.UnixEpoch.AddMinutes(minute + 1),
    };

    [Fact]
    public async Task ResolveAsync_Workflow_NewestSuccessfulRunOfThisRepo()
    {
        var storage = new LocalStorage(_dir.Path);
        var manifests = new ManifestStore(storage);
        await manifests.WriteAsync(Manifest("old-run-1", "prepare", RunStatus.Done, 1));
        await manifests.WriteAsync(Manifest("new-run-2", "prepare", RunStatus.Done, 5));
        await manifests.WriteAsync(Manifest("failed-run-3", "prepare", RunStatus.Failed, 9));
        await manifests.WriteAsync(Manifest("other-repo-4", "prepare", RunStatus.Done, 10, repo: "other"));
        await new TagStore(storage).WriteAsync(new TagRecord("base", "old-run-1", DateTimeOffset.UnixEpoch, TagRecord.RunSource));

        var resolved = await new DependencyResolver(storage).ResolveAsync(
            [new DepRef("workflow", "prepare"), new DepRef("tag", "base"), new DepRef("run", "new-run-2")], "repo");

        Assert.Equal(["new-run-2", "old-run-1", "new-run-2"], resolved.Select(d => d.Run));
    }

    [Theory]
    [InlineData("workflow", "never-ran", "{workflow: never-ran}")]
    [InlineData("tag", "nope", "{tag: nope}")]
    [InlineData("run", "gone-run-1", "{run: gone-run-1}")]
    [InlineData("run", "running-1", "still running")]
    public async Task ResolveAsync_Unusable_NamesTheDependency(string kind, string value, string expected)
    {
        var storage = new LocalStorage(_dir.Path);
        await new ManifestStore(storage).WriteAsync(Manifest("running-1", "prepare", RunStatus.Running, 1));

        var error = await Assert.ThrowsAsync<DependencyException>(() => new DependencyResolver(storage).ResolveAsync([new DepRef(kind, value)], "repo"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
