namespace Dstack.Benchmarks.WebUi;

/// <summary>One closed run put in the server before measuring: its workflow ID, dstack workflow name, outcome and tag.</summary>
internal sealed record FilledRun(string WorkflowId, string WorkflowName, bool Fails, string? Tag)
{
    /// <summary>Gets the prefix of every filled run's workflow ID, to find them in the UI's page.</summary>
    public const string IdPrefix = "webui-bench-";

    private static readonly string[] WorkflowNames = ["train", "eval", "prepare-data", "finetune", "serve"];

    /// <summary>
    /// Gets <paramref name="count"/> runs: the workflow names in turn (so <c>train</c> is one run in five), one run in
    /// eight failing (spread over the names, as 8 and 5 share no factor), one in ten tagged.
    /// </summary>
    public static IReadOnlyList<FilledRun> Make(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new FilledRun(
            $"{IdPrefix}{i:D6}",
            WorkflowNames[i % WorkflowNames.Length],
            i % 8 == 7,
            i % 10 == 0 ? $"tag-{i / 10}" : null))];
}
