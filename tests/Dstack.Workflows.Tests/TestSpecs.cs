using Dstack.Core.Configuration;
using Dstack.Core.Runs;

namespace Dstack.Workflows.Tests;

/// <summary>The run specs the workflow tests start from; a test changes what it is about with <c>with</c>.</summary>
public static class TestSpecs
{
    /// <summary>A bash run of <paramref name="commands"/> named <paramref name="runName"/>, over code that is never fetched.</summary>
    public static RunSpec Bash(string runName, params string[] commands) => new()
    {
        RunName = runName,
        WorkflowName = "train",
        Provider = WorkflowProvider.Bash,
        Repo = new RepoInfo("repo", null, "main", "abc", false),
        CodeHash = "hash",
        Commands = commands,
        User = "tester",
        SubmittedAt = DateTimeOffset.UnixEpoch,
    };
}
