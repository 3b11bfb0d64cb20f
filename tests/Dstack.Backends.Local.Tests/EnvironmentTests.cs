using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Dstack.Core.Environments;
using Dstack.Core.Jobs;
using Dstack.Core.Runs;

namespace Dstack.Backends.Local.Tests;

/// <summary>Virtualenvs built by job scripts with real Python and pip, installing from a local wheel folder (no index).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EnvironmentTests : IAsyncLifetime
{
    private readonly TestHome _home = new();
    private string _wheels = string.Empty;
    private string _python = string.Empty;

    public async Task InitializeAsync()
    {
        _wheels = Path.Combine(_home.Path, "wheels");
        Directory.CreateDirectory(_wheels);
        WriteWheel(_wheels, "dstackprobe", "0.1", "VALUE = 42\n");
        _python = (await RunAsync("python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])")).Trim();
    }

    public Task DisposeAsync() => _home.CleanupAsync();

    private RunSpec Spec(string run, string requirements) => TestHome.Spec(run, "python -c \"import dstackprobe, sys; print('probe', dstackprobe.VALUE, sys.prefix)\"") with
    {
        Python = _python,
        Requirements = requirements,
        Env = new Dictionary<string, string> { ["PIP_NO_INDEX"] = "1", ["PIP_FIND_LINKS"] = _wheels },
    };

    [Fact]
    public async Task Virtualenv_SecondRunSameRecipe_ReusesEnvironmentWithoutPip()
    {
        var first = await _home.PrepareAsync(Spec("venv-1", "dstackprobe==0.1\n"));
        await first.StartAsync();
        var firstExit = await TestHome.ExitCodeAsync(first, 180);
        var firstLog = await _home.LogAsync(first);
        var envDir = new JobScriptBuilder(_home.Shell.DstackDirectory).EnvironmentDirectory(EnvironmentRecipe.FromSpec(Spec("x", "dstackprobe==0.1\n")));
        var ready = Path.Combine(envDir, ".ready");
        var (inode, written) = (await RunAsync("stat", "-c", "%i", ready), File.GetLastWriteTimeUtc(ready));

        var second = await _home.PrepareAsync(Spec("venv-2", "dstackprobe==0.1\n"));
        await second.StartAsync();
        var secondExit = await TestHome.ExitCodeAsync(second, 180);
        var secondLog = await _home.LogAsync(second);

        Assert.True(firstExit == 0, firstLog);
        Assert.Contains("Successfully installed dstackprobe-0.1", firstLog, StringComparison.Ordinal);
        Assert.Contains($"probe 42 {envDir}", firstLog, StringComparison.Ordinal);
        Assert.True(secondExit == 0, secondLog);
        Assert.Contains("dstack: reusing the Python environment", secondLog, StringComparison.Ordinal);
        Assert.DoesNotContain("pip", secondLog, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("preparing", secondLog, StringComparison.Ordinal);
        Assert.Contains($"probe 42 {envDir}", secondLog, StringComparison.Ordinal);
        Assert.Equal(inode, await RunAsync("stat", "-c", "%i", ready));
        Assert.Equal(written, File.GetLastWriteTimeUtc(ready));
    }

    [Fact]
    public async Task Virtualenv_RequirementThatCannotBeInstalled_FailureNamesPipAndItsLastLines()
    {
        var job = await _home.PrepareAsync(
            Spec("pip-fail-1", "nosuchpackage==9.9\n") with { RequirementsPath = "requirements.txt" },
            new Dictionary<string, string> { ["requirements.txt"] = "nosuchpackage==9.9\n" });
        await job.StartAsync();
        var exit = await TestHome.ExitCodeAsync(job, 180);

        var failure = await job.DescribeFailureAsync(exit);

        Assert.NotEqual(0, exit);
        Assert.NotNull(failure);
        Assert.StartsWith($"The job failed in pip install -r requirements.txt (exit code {exit}). Its last lines:", failure, StringComparison.Ordinal);
        Assert.Contains("nosuchpackage", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("probe", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_Fail_FailureNamesTheWorkflowsCommandsAndOnlyTheirLines()
    {
        var spec = TestHome.Spec("cmd-fail-1", "echo boom", "exit 3") with { Setup = ["echo from setup"] };
        var job = await _home.PrepareAsync(spec);
        await job.StartAsync();
        var exit = await TestHome.ExitCodeAsync(job);

        var failure = await job.DescribeFailureAsync(exit);

        Assert.Equal(3, exit);
        Assert.Equal("The job failed in the workflow's commands (exit code 3). Its last lines:\n  boom", failure);
    }

    [Fact]
    public async Task Virtualenv_TwoRunsAtOnce_BuildItOnce()
    {
        var requirements = "dstackprobe==0.1  # concurrent\n";
        var runners = new List<JobRunner>();
        foreach (var run in new[] { "race-1", "race-2" })
        {
            runners.Add(await _home.PrepareAsync(Spec(run, requirements)));
        }

        await Task.WhenAll(runners.Select(r => r.StartAsync()));
        var exits = new List<int>();
        var logs = new List<string>();
        foreach (var runner in runners)
        {
            exits.Add(await TestHome.ExitCodeAsync(runner, 180));
            logs.Add(await _home.LogAsync(runner));
        }

        Assert.All(exits, e => Assert.Equal(0, e));
        Assert.Single(logs, l => l.Contains("Successfully installed", StringComparison.Ordinal));
        Assert.All(logs, l => Assert.Contains("probe 42", l, StringComparison.Ordinal));
    }

    /// <summary>Writes a pure-Python wheel by hand: a zip with the package, METADATA, WHEEL and a RECORD of hashes.</summary>
    private static void WriteWheel(string folder, string name, string version, string init)
    {
        var info = $"{name}-{version}.dist-info";
        var files = new Dictionary<string, string>
        {
            [$"{name}/__init__.py"] = init,
            [$"{info}/METADATA"] = $"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            [$"{info}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: dstack-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        };
        var record = new StringBuilder();
        foreach (var (path, content) in files)
        {
            var bytes = Encoding.UTF8.GetBytes(content);
            var hash = Convert.ToBase64String(SHA256.HashData(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            record.Append($"{path},sha256={hash},{bytes.Length}\n");
        }

        record.Append($"{info}/RECORD,,\n");
        files[$"{info}/RECORD"] = record.ToString();
        using var zip = ZipFile.Open(Path.Combine(folder, $"{name}-{version}-py3-none-any.whl"), ZipArchiveMode.Create);
        foreach (var (path, content) in files)
        {
            using var writer = new StreamWriter(zip.CreateEntry(path).Open());
            writer.Write(content);
        }
    }

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
