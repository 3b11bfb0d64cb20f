using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Testing;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Hosting;

/// <summary>The executable as users and SDK test environments launch it, in its own process.</summary>
public sealed class ServerExecutableTests
{
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "dstack-temporal-server");

    [Fact]
    public async Task StartLocalAsync_ExistingPath_LaunchesServerAndRunsWorkflow()
    {
        var keyword = SearchAttributeKey.CreateKeyword("DstackWorkflow");
        await using var env = await WorkflowEnvironment.StartLocalAsync(new()
        {
            DevServerOptions = new() { ExistingPath = Executable },
            SearchAttributes = [keyword],
        });
        var result = await RunHelloAsync(env.Client, new() { TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(keyword, "train").ToSearchAttributeCollection() });
        Assert.Equal("Hello, dstack!", result);
    }

    [Fact]
    public async Task StartDev_PlainClientConnectAsync_RunsWorkflowUnchanged()
    {
        var port = FreePort.Next();
        using var server = Process.Start(new ProcessStartInfo(Executable)
        {
            ArgumentList = { "server", "start-dev", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--headless" },
            RedirectStandardOutput = true,
        })!;
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync();
            Assert.Contains($"127.0.0.1:{port}", ready, StringComparison.Ordinal);

            // What the samples users copy do: connect by address, start a worker, execute a workflow.
            var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{port}"));
            Assert.Equal("Hello, dstack!", await RunHelloAsync(client, new()));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task StartDev_HttpPort_ServesTheHttpApiOnItsOwnPort()
    {
        using var server = Process.Start(new ProcessStartInfo(Executable)
        {
            ArgumentList = { "server", "start-dev", "--port", "0", "--http-port", "0", "--headless" },
            RedirectStandardOutput = true,
        })!;
        try
        {
            await server.StandardOutput.ReadLineAsync();
            var announced = await server.StandardOutput.ReadLineAsync();
            var url = System.Text.RegularExpressions.Regex.Match(announced ?? string.Empty, @"http://127\.0\.0\.1:\d+").Value;
            Assert.False(string.IsNullOrEmpty(url), announced);

            using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
            var json = await http.GetStringAsync("api/v1/namespaces/default");
            Assert.Contains("NAMESPACE_STATE_REGISTERED", json, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task StartDev_BadSearchAttributeType_ExitsWithClearError()
    {
        using var server = Process.Start(new ProcessStartInfo(Executable)
        {
            ArgumentList = { "server", "start-dev", "--port", "0", "--search-attribute", "Foo=Banana" },
            RedirectStandardError = true,
        })!;
        var error = await server.StandardError.ReadToEndAsync();
        await server.WaitForExitAsync();
        Assert.Equal(2, server.ExitCode);
        Assert.Contains("--search-attribute Foo=Banana", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartDev_DynamicConfigHistoryCount_ContinueAsNewSuggestedFromThatLength()
    {
        using var server = Process.Start(new ProcessStartInfo(Executable)
        {
            ArgumentList =
            {
                "server", "start-dev", "--port", "0", "--headless",
                "--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=20",
                "--dynamic-config-value", "frontend.enableExecuteMultiOperation=true",
            },
            RedirectStandardOutput = true,
        })!;
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync() ?? string.Empty;
            var client = await TemporalClient.ConnectAsync(new(System.Text.RegularExpressions.Regex.Match(ready, @"127\.0\.0\.1:\d+").Value));
            var queue = $"tq-{Guid.NewGuid()}";
            using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue).AddWorkflow<GrowUntilSuggestedWorkflow>());
            var length = await worker.ExecuteAsync(() =>
                client.ExecuteWorkflowAsync((GrowUntilSuggestedWorkflow wf) => wf.RunAsync(), new($"grow-{Guid.NewGuid()}", queue)));

            // Each timer adds five events; the first workflow task started at event 20 or later says so.
            Assert.InRange(length, 20, 25);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task StartDev_BadDynamicConfigValue_ExitsWithClearError()
    {
        using var server = Process.Start(new ProcessStartInfo(Executable)
        {
            ArgumentList = { "server", "start-dev", "--port", "0", "--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=lots" },
            RedirectStandardError = true,
        })!;
        var error = await server.StandardError.ReadToEndAsync();
        await server.WaitForExitAsync();
        Assert.Equal(2, server.ExitCode);
        Assert.Contains("--dynamic-config-value invalid JSON value for key \"limit.historyCount.suggestContinueAsNew\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartDev_DbFilename_Kill9ThenRestart_WorkflowStartedBeforeCompletes()
    {
        var directory = Directory.CreateTempSubdirectory("dstack-temporal-exe-").FullName;
        var database = Path.Combine(directory, "temporal.db");
        var port = FreePort.Next();
        var queue = $"tq-{Guid.NewGuid()}";
        var id = $"hello-{Guid.NewGuid()}";
        try
        {
            using (var first = await StartPersistentAsync(port, database))
            {
                var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{port}"));
                await client.StartWorkflowAsync((HelloWorkflow wf) => wf.RunAsync("dstack"), new(id, queue));
                first.Kill(entireProcessTree: true);
                await first.WaitForExitAsync();
            }

            using var second = await StartPersistentAsync(port, database);
            try
            {
                var client = await TemporalClient.ConnectAsync(new($"127.0.0.1:{port}"));
                using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue).AddWorkflow<HelloWorkflow>().AddActivity(HelloWorkflow.SayHello));
                Assert.Equal("Hello, dstack!", await worker.ExecuteAsync(() => client.GetWorkflowHandle(id).GetResultAsync<string>()));
            }
            finally
            {
                second.Kill(entireProcessTree: true);
                await second.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task StartDev_DbFilenameNotADatabase_ExitsWithClearErrorAndLeavesTheFile()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "not a database");
            using var server = Process.Start(new ProcessStartInfo(Executable)
            {
                ArgumentList = { "server", "start-dev", "--port", "0", "--db-filename", file },
                RedirectStandardError = true,
            })!;
            var error = await server.StandardError.ReadToEndAsync();
            await server.WaitForExitAsync();
            Assert.Equal(1, server.ExitCode);
            Assert.Contains("not a SQLite database", error, StringComparison.Ordinal);
            Assert.Equal("not a database", await File.ReadAllTextAsync(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<Process> StartPersistentAsync(int port, string database)
    {
        var server = Process.Start(new ProcessStartInfo(Executable)
        {
            ArgumentList = { "server", "start-dev", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--headless", "--db-filename", database },
            RedirectStandardOutput = true,
        })!;
        var ready = await server.StandardOutput.ReadLineAsync();
        Assert.Contains(database, ready, StringComparison.Ordinal);
        return server;
    }

    private static async Task<string> RunHelloAsync(ITemporalClient client, WorkflowOptions options)
    {
        var queue = $"tq-{Guid.NewGuid()}";
        options.Id = $"hello-{Guid.NewGuid()}";
        options.TaskQueue = queue;
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue).AddWorkflow<HelloWorkflow>().AddActivity(HelloWorkflow.SayHello));
        return await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync((HelloWorkflow wf) => wf.RunAsync("dstack"), options));
    }

    [Workflow]
    public sealed class GrowUntilSuggestedWorkflow
    {
        [WorkflowRun]
        public async Task<int> RunAsync()
        {
            for (var i = 0; i < 100 && !Workflow.ContinueAsNewSuggested; i++)
            {
                await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
            }

            return Workflow.CurrentHistoryLength;
        }
    }

    [Workflow]
    public sealed class HelloWorkflow
    {
        [Activity]
        public static string SayHello(string name) => $"Hello, {name}!";

        [WorkflowRun]
        public Task<string> RunAsync(string name) =>
            Workflow.ExecuteActivityAsync(() => SayHello(name), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
    }
}
