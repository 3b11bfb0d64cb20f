using System.Diagnostics;
using Dstack.Core.Configuration;
using Dstack.Core.Environments;
using Dstack.Core.Runs;

namespace Dstack.Core.Tests.Environments;

public sealed class JobScriptBuilderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static RunSpec Spec(IReadOnlyList<string> commands) => new()
    {
        RunName = "wise-owl-1",
        WorkflowName = "train",
        Provider = WorkflowProvider.Bash,
        Repo = new RepoInfo("repo", null, null, null, false),
        CodeHash = "abc",
        Commands = commands,
        User = "me",
        SubmittedAt = DateTimeOffset.UnixEpoch,
    };

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string script)
    {
        var file = _dir.Write("job.sh", script);
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(file);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task Build_EnvValues_ReachTheJobLiterally()
    {
        var code = _dir.Combine("code");
        Directory.CreateDirectory(Path.Combine(code, "src"));
        const string tricky = "it's $HOME `id` $(id) \"q\" \\ ;|&\nline2";
        var spec = Spec(["printf '%s|' \"$TRICKY\" \"$DSTACK_RUN_NAME\" \"$DSTACK_ATTEMPT\" \"$PORT_0\" \"$PORT_1\" \"$PWD\" \"$DSTACK_REPO_DIR\""]) with
        {
            Env = new Dictionary<string, string> { ["TRICKY"] = tricky },
            Ports = [8080, 9090],
            WorkingDir = "src",
        };

        var (exit, output, error) = await RunAsync(new JobScriptBuilder(_dir.Combine("dstack")).Build(spec, code, attempt: 2));

        Assert.True(exit == 0, error);
        Assert.Equal($"{tricky}|wise-owl-1|2|8080|9090|{Path.Combine(code, "src")}|{code}|", output);
    }

    [Fact]
    public async Task Build_SetupThenCommands_RunInOrderAndStopAtFailure()
    {
        var code = _dir.Combine("code");
        Directory.CreateDirectory(code);
        var spec = Spec(["echo command", "false", "echo never"]) with { Setup = ["echo setup"] };

        var (exit, output, _) = await RunAsync(new JobScriptBuilder(_dir.Path).Build(spec, code, 1));

        Assert.Equal(1, exit);
        Assert.Equal("setup\ncommand\n", output);
    }

    [Theory]
    [InlineData("BAD-NAME")]
    [InlineData("1ABC")]
    [InlineData("A B")]
    public void Build_InvalidVariableName_Throws(string name)
    {
        var spec = Spec([]) with { Env = new Dictionary<string, string> { [name] = "x" } };

        Assert.Throws<EnvironmentException>(() => new JobScriptBuilder(_dir.Path).Build(spec, "/code", 1));
    }

    [Theory]
    [InlineData("3.10; rm -rf /")]
    [InlineData("$(id)")]
    public void Build_PythonVersionNotAVersion_Throws(string version)
    {
        Assert.Throws<EnvironmentException>(() => new JobScriptBuilder(_dir.Path).Build(Spec([]) with { Python = version }, "/code", 1));
    }

    [Fact]
    public void Build_WorkingDirOutsideRepo_Throws()
    {
        Assert.Throws<EnvironmentException>(() => new JobScriptBuilder(_dir.Path).Build(Spec([]) with { WorkingDir = "../x" }, "/code", 1));
    }

    [Fact]
    public async Task Build_PythonVersionMissing_FailsNamingAskedAndFound()
    {
        var code = _dir.Combine("code");
        Directory.CreateDirectory(code);

        var (exit, _, error) = await RunAsync(new JobScriptBuilder(_dir.Combine("dstack")).Build(Spec(["echo never"]) with { Python = "3.99" }, code, 1));

        Assert.Equal(127, exit);
        Assert.Contains("Python 3.99 was asked for, but this machine has", error, StringComparison.Ordinal);
        Assert.Contains("python3 (3.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_DockerWithoutWorkingDocker_FailsClearly()
    {
        var code = _dir.Combine("code");
        Directory.CreateDirectory(code);
        var spec = Spec(["echo never"]) with { Provider = WorkflowProvider.Docker, Image = "ubuntu:24.04" };

        // With a PATH holding no docker the outcome does not depend on this machine.
        var script = "export PATH=/nonexistent\n" + new JobScriptBuilder(_dir.Path).Build(spec, code, 1).Replace("#!/usr/bin/env bash\n", string.Empty, StringComparison.Ordinal);
        var (exit, output, error) = await RunAsync(script);

        Assert.Equal(127, exit);
        Assert.Empty(output);
        Assert.Contains("Docker image ubuntu:24.04, but Docker is not installed", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Recipe_Key_DependsOnEveryField()
    {
        var baseline = new EnvironmentRecipe("3.10", "numpy\n", null, null, false);

        Assert.Equal(baseline.Key, new EnvironmentRecipe("3.10", "numpy\n", null, null, false).Key);
        Assert.NotEqual(baseline.Key, (baseline with { Python = "3.11" }).Key);
        Assert.NotEqual(baseline.Key, (baseline with { Requirements = "numpy==2\n" }).Key);
        Assert.NotEqual(baseline.Key, (baseline with { WantsGpu = true }).Key);
        Assert.NotEqual(baseline.Key, (baseline with { Conda = "x" }).Key);
        Assert.Equal(EnvironmentKind.Virtualenv, baseline.Kind);
        Assert.Equal(EnvironmentKind.None, new EnvironmentRecipe(null, null, null, null, true).Kind);
    }
}
