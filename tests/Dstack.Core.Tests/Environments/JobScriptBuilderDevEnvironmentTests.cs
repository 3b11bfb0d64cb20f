using System.Diagnostics;
using System.Net;
using Dstack.Core.Configuration;
using Dstack.Core.Environments;
using Dstack.Core.Jobs;
using Dstack.Core.Runs;

namespace Dstack.Core.Tests.Environments;

/// <summary>The generated <c>job.sh</c> of dev environments and <c>ports</c>, run by bash with Debian's real Jupyter Notebook.</summary>
public sealed class JobScriptBuilderDevEnvironmentTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static RunSpec Spec(WorkflowProvider provider, IReadOnlyList<string> commands) => new()
    {
        RunName = "wise-owl-1",
        WorkflowName = "ide",
        Provider = provider,
        Repo = new RepoInfo("repo", null, null, null, false),
        CodeHash = "abc",
        Commands = commands,
        User = "me",
        SubmittedAt = DateTimeOffset.UnixEpoch,
    };

    private Process Start(string script)
    {
        var file = _dir.Write("job.sh", script);
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(file);
        return Process.Start(start)!;
    }

    private string Code()
    {
        var code = _dir.Combine("code");
        Directory.CreateDirectory(code);
        return code;
    }

    [Fact]
    public async Task Build_PortsCount_ExportsDistinctFreePortsAndRecordsThem()
    {
        var code = Code();
        var spec = Spec(WorkflowProvider.Bash, ["printf '%s %s' \"$PORT_0\" \"$PORT_1\""]) with { Ports = [0, 0] };

        using var process = Start(new JobScriptBuilder(_dir.Combine("dstack")).Build(spec, code, 1));
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(0, process.ExitCode);
        var ports = output.Split(' ').Select(int.Parse).ToList();
        Assert.All(ports, p => Assert.InRange(p, 20000, 60999));
        Assert.NotEqual(ports[0], ports[1]);
        var endpoints = JobEndpoints.Parse(await File.ReadAllTextAsync(_dir.Combine(JobEndpoints.FileName)));
        Assert.Equal(ports, endpoints.Ports);
        Assert.Null(endpoints.AppPort);
    }

    [Fact]
    public async Task Build_Notebook_ServesWithTokenOnlyAndStopsWhenIdle()
    {
        var code = Code();
        await File.WriteAllTextAsync(Path.Combine(code, "hello.ipynb"), "{}");
        var spec = Spec(WorkflowProvider.Notebook, []) with { IdleDuration = TimeSpan.FromSeconds(3) };
        using var process = Start(new JobScriptBuilder(_dir.Combine("dstack")).Build(spec, code, 1));
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            var file = _dir.Combine(JobEndpoints.FileName);
            await Eventually(() => File.Exists(file), TimeSpan.FromSeconds(60), "the endpoints file");
            var endpoints = JobEndpoints.Parse(await File.ReadAllTextAsync(file));
            Assert.Equal("Jupyter Notebook", endpoints.App);
            Assert.StartsWith("/?token=", endpoints.AppPath, StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                // It holds the token: readable by the job's user only.
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
            var withoutToken = await http.GetAsync(new Uri($"http://127.0.0.1:{endpoints.AppPort}/tree"));
            Assert.Equal(HttpStatusCode.Found, withoutToken.StatusCode);
            Assert.Contains("/login", withoutToken.Headers.Location?.ToString(), StringComparison.Ordinal);

            using var browser = new HttpClient();
            var page = await browser.GetStringAsync(new Uri($"http://127.0.0.1:{endpoints.AppPort}{endpoints.AppPath}"));
            Assert.Contains("<title>Home Page - Select or create a notebook</title>", page, StringComparison.Ordinal);

            // The notebook folder is the repository.
            var path = endpoints.AppPath ?? string.Empty;
            var token = path[(path.IndexOf('=', StringComparison.Ordinal) + 1)..];
            var contents = await browser.GetStringAsync(new Uri($"http://127.0.0.1:{endpoints.AppPort}/api/contents?token={token}"));
            Assert.Contains("\"hello.ipynb\"", contents, StringComparison.Ordinal);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        // With no connection left, the script stops Jupyter after idle_duration and ends with 0.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await process.WaitForExitAsync(timeout.Token);
        }

        Assert.True(process.ExitCode == 0, await error);
        Assert.Contains("dstack: no connection to Jupyter Notebook for 3 s (idle_duration); stopping it", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_NotebookWithAConnectionOpen_KeepsRunningPastIdleDuration()
    {
        var code = Code();
        var spec = Spec(WorkflowProvider.Notebook, []) with { IdleDuration = TimeSpan.FromSeconds(2) };
        using var process = Start(new JobScriptBuilder(_dir.Combine("dstack")).Build(spec, code, 1));
        var output = process.StandardOutput.ReadToEndAsync();
        try
        {
            var file = _dir.Combine(JobEndpoints.FileName);
            await Eventually(() => File.Exists(file), TimeSpan.FromSeconds(60), "the endpoints file");
            var endpoints = JobEndpoints.Parse(await File.ReadAllTextAsync(file));

            // An open connection (a browser's websocket, or one forwarded over SSH) is activity: for three times
            // idle_duration the notebook keeps running.
            using (var connection = new System.Net.Sockets.TcpClient())
            {
                await connection.ConnectAsync(IPAddress.Loopback, endpoints.AppPort!.Value);
                var held = Stopwatch.StartNew();
                while (held.Elapsed < TimeSpan.FromSeconds(6))
                {
                    Assert.False(process.HasExited, "the notebook stopped while a connection was open");
                    await Task.Delay(100);
                }
            }

            // Closed: idle from now on.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("(idle_duration); stopping it", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_ToolMissingWithNoEnvironment_FailsSayingWhatToInstall()
    {
        var code = Code();

        // A PATH with the basic tools only, so that no Jupyter is found whatever this machine has.
        var script = "export PATH=/usr/local/sbin:/usr/sbin:/sbin:/bin\n"
            + new JobScriptBuilder(_dir.Combine("dstack")).Build(Spec(WorkflowProvider.Lab, []), code, 1).Replace("#!/usr/bin/env bash\n", string.Empty, StringComparison.Ordinal);
        var bin = Directory.CreateDirectory(_dir.Combine("bin")).FullName;
        using var process = Start(script.Replace("/bin\n", $"/bin:{bin}\n", StringComparison.Ordinal));
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(127, process.ExitCode);
        Assert.Contains("dstack: JupyterLab is not installed on this machine (no jupyter-lab command, no 'jupyterlab' Python module) and could not be installed", error, StringComparison.Ordinal);
        Assert.Contains("pip install jupyterlab", error, StringComparison.Ordinal);
    }

    private static async Task Eventually(Func<bool> condition, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < timeout, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
