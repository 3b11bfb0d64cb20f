using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dstack.EndToEnd.Tests;

/// <summary>What the end-to-end tests do to a run through the real `dstack`: submit it, wait for its log or its end.</summary>
public static partial class RunSteps
{
    public static async Task<string> SubmitAsync(DstackSandbox sandbox, string workflow)
    {
        var run = await sandbox.DstackAsync("run", workflow, "-d", "--json");
        Assert.True(run.ExitCode == 0, run.Output);
        using var json = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]);
        return json.RootElement.GetProperty("run").GetString()!;
    }

    public static Task WaitForLogAsync(DstackSandbox sandbox, string run, string text) =>
        Eventually.TrueAsync(
            async () => (await sandbox.DstackAsync("logs", run)).Stdout.Contains(text, StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            $"'{text}' in the log of {run}");

    /// <summary>Waits until the run's manifest in storage says it finished, and returns the manifest.</summary>
    public static async Task<JsonElement> WaitFinishedAsync(DstackSandbox sandbox, string run, TimeSpan? timeout = null)
    {
        var path = Path.Combine(sandbox.Home, "storage", "runs", run, "manifest.json");
        JsonElement manifest = default;
        await Eventually.TrueAsync(
            async () =>
            {
                if (!File.Exists(path))
                {
                    return false;
                }

                using var json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
                manifest = json.RootElement.Clone();
                return manifest.GetProperty("status").GetString()?.ToLowerInvariant() is "done" or "failed" or "stopped" or "aborted";
            },
            timeout ?? TimeSpan.FromSeconds(60),
            $"run {run} to finish");
        return manifest;
    }

    /// <summary>Asserts that the run's stored log has "line 1" to "line <paramref name="count"/>", each exactly once and in order.</summary>
    public static async Task AssertEveryLineOnceAsync(DstackSandbox sandbox, string run, int count)
    {
        var logs = await sandbox.DstackAsync("logs", run);
        Assert.True(logs.ExitCode == 0, logs.Output);
        var lines = logs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("line ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(1, count).Select(i => $"line {i}"), lines);
    }

    public static string RunName(string output) => RunNameRegex().Match(output) is { Success: true } match
        ? match.Groups[1].Value
        : throw new Xunit.Sdk.XunitException($"no run name in: {output}");

    [GeneratedRegex(@"RUN ([a-z]+-[a-z]+-[0-9]+)")]
    private static partial Regex RunNameRegex();
}
