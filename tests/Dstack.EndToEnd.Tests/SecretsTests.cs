using System.Text;

using static Dstack.EndToEnd.Tests.RunSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>Secrets end to end: stored encrypted, given to the job, masked in logs, absent from Temporal's stored state.</summary>
public sealed class SecretsTests
{
    private const string Value = "hunter2-Secret-Value-9f4e";

    private const string Workflows = """
        workflows:
          - name: secret
            provider: bash
            secrets:
              - HF_TOKEN
            commands:
              - 'echo "token=$HF_TOKEN"'
              - 'echo "on stderr: $HF_TOKEN" >&2'
              - 'printf %s "$HF_TOKEN" | sha256sum'
          - name: unset
            provider: bash
            secrets:
              - NOT_ADDED
            commands:
              - echo should not run
        """;

    [Fact]
    public async Task Secrets_GivenToJob_MaskedInLogs_NeverInTemporalState()
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows);
        await sandbox.StartDstackServerAsync();

        var add = await sandbox.DstackAsync("secrets", "add", "HF_TOKEN", Value);
        Assert.True(add.ExitCode == 0, add.Output);
        var key = Path.Combine(sandbox.Home, "secrets.key");
        Assert.True(File.Exists(key));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        Assert.False(FileContains(Path.Combine(sandbox.Home, "storage", "secrets", "HF_TOKEN"), Value)); // encrypted
        var list = await sandbox.DstackAsync("secrets", "list");
        Assert.Contains("HF_TOKEN", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, list.Stdout, StringComparison.Ordinal);

        var run = await sandbox.DstackAsync("run", "secret");
        Assert.True(run.ExitCode == 0, run.Output);
        // The workflow must not hold the value either (it is in the run spec): the job proves it got it by its hash.
        Assert.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(Value))), run.Stdout, StringComparison.Ordinal);
        Assert.Contains("token=***", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, run.Output, StringComparison.Ordinal);
        var logs = await sandbox.DstackAsync("logs", RunName(run.Stdout));
        Assert.Contains("token=***", logs.Stdout, StringComparison.Ordinal);
        Assert.Contains("on stderr: ***", logs.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Value, logs.Output, StringComparison.Ordinal);

        // The embedded server keeps every history, memo and search attribute in temporal.db (and its WAL): no value there,
        // nor anywhere else in the dstack folder (manifests, logs, job folders).
        Assert.True(File.Exists(Path.Combine(sandbox.Home, "temporal.db")));
        var leaks = Directory.EnumerateFiles(sandbox.Home, "*", SearchOption.AllDirectories).Where(f => FileContains(f, Value)).ToList();
        Assert.Empty(leaks);

        var unset = await sandbox.DstackAsync("run", "unset");
        Assert.NotEqual(0, unset.ExitCode);
        Assert.Contains("NOT_ADDED", unset.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("should not run", unset.Stdout, StringComparison.Ordinal);

        var delete = await sandbox.DstackAsync("secrets", "delete", "HF_TOKEN", "-y");
        Assert.True(delete.ExitCode == 0, delete.Output);
        Assert.DoesNotContain("HF_TOKEN", (await sandbox.DstackAsync("secrets", "list")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretsAdd_NoValueAndNoTerminal_AsksForTheValueInstead()
    {
        await using var sandbox = new DstackSandbox();
        await sandbox.InitRepoAsync(Workflows);

        var add = await sandbox.DstackAsync("secrets", "add", "HF_TOKEN");

        Assert.Equal(2, add.ExitCode);
        Assert.Contains("not interactive", add.Stdout, StringComparison.Ordinal);
    }

    private static bool FileContains(string path, string text)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return false; // a socket or a file removed meanwhile
        }

        return bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
    }
}
