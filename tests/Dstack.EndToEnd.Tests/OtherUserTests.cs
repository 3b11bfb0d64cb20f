using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Xunit.Abstractions;

using static Dstack.EndToEnd.Tests.RunSteps;

namespace Dstack.EndToEnd.Tests;

/// <summary>
/// Two real Linux users on one machine: the owner's `dstack server` (started by the owner's first `dstack run`) admits
/// the owner alone. Another user who knows its address, can enter its dstack folder and has curl and dstack of their own
/// gets neither the key nor any answer from the server, its HTTP API or its Web UI, while the owner's commands go on
/// working. Every attempt and what it got is written to the test's output.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class OtherUserTests(ITestOutputHelper output)
{
    private const string Workflows = """
        workflows:
          - name: hello
            provider: bash
            commands:
              - echo "hello from $(id -un)"
          - name: long
            provider: bash
            commands:
              - 'for i in $(seq 1 600); do echo "tick $i"; sleep 1; done'
        """;

    private const string WorkflowService = "temporal.api.workflowservice.v1.WorkflowService";

    [OtherUserFact]
    public async Task OtherUser_GetsNothingFromTheOwnersServer_AndTheOwnerStillGetsEverything()
    {
        await using var owner = new DstackSandbox();
        owner.OpenToOtherUsers();
        await owner.InitRepoAsync(Workflows);

        // The owner's first run starts the server in the background, as a user's first `dstack run` does.
        var first = await owner.DstackAsync("run", "hello");
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("Started dstack server in the background", first.Output, StringComparison.Ordinal);
        var hello = RunName(first.Output);
        var running = await SubmitAsync(owner, "long");
        await WaitForLogAsync(owner, running, "tick 1");
        var status = await owner.DstackAsync("server", "status");
        Assert.True(status.ExitCode == 0, status.Output);
        var serverPid = int.Parse(PidRegex().Match(status.Output).Groups[1].Value, CultureInfo.InvariantCulture);
        var ui = new Uri(LoginRegex().Match(status.Output).Groups[1].Value).GetLeftPart(UriPartial.Authority).Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        var keyFile = Path.Combine(owner.Home, "server.key");
        var key = (await File.ReadAllTextAsync(keyFile)).Trim();

        await using var other = await OtherLocalUser.CreateAsync();
        await other.InitRepoAsync(Workflows);
        other.Environment["DSTACK_TEMPORAL_ADDRESS"] = owner.Address;
        var tried = new List<string>();

        // The key file, the log the background server writes its login links to, the server's process.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        foreach (var file in new[] { keyFile, Path.Combine(owner.Home, "server.log"), $"/proc/{serverPid}/environ" })
        {
            var read = await other.RunAsync("/bin/cat", [file]);
            Note(tried, $"cat {file}", read);
            Assert.True(read.ExitCode != 0 && read.Stderr.Contains("Permission denied", StringComparison.Ordinal), read.Output);
        }

        var commandLine = await other.RunAsync("/bin/cat", [$"/proc/{serverPid}/cmdline"]);
        Note(tried, $"cat /proc/{serverPid}/cmdline (readable by all: must not hold the key)", commandLine);
        Assert.True(commandLine.ExitCode == 0 && commandLine.Stdout.Contains("server", StringComparison.Ordinal), commandLine.Output);
        Assert.DoesNotContain(key, commandLine.Stdout, StringComparison.Ordinal);

        // Raw gRPC, as any Temporal client would call: without the key, and with a wrong one. The owner's same calls with
        // the key are the control that shows the requests are good ones.
        var calls = new (string Method, IMessage Request)[]
        {
            ("StartWorkflowExecution", new StartWorkflowExecutionRequest
            {
                Namespace = "default",
                WorkflowId = "intruder",
                WorkflowType = new WorkflowType { Name = "RunWorkflow" },
                TaskQueue = new TaskQueue { Name = "dstack" },
                RequestId = Guid.NewGuid().ToString(),
            }),
            ("ListWorkflowExecutions", new ListWorkflowExecutionsRequest { Namespace = "default" }),
            ("SignalWorkflowExecution", new SignalWorkflowExecutionRequest
            {
                Namespace = "default",
                WorkflowExecution = new WorkflowExecution { WorkflowId = running },
                SignalName = "stop",
                RequestId = Guid.NewGuid().ToString(),
            }),
            ("GetWorkflowExecutionHistory", new GetWorkflowExecutionHistoryRequest { Namespace = "default", Execution = new WorkflowExecution { WorkflowId = hello } }),
            ("DescribeWorkflowExecution", new DescribeWorkflowExecutionRequest { Namespace = "default", Execution = new WorkflowExecution { WorkflowId = hello } }),
            ("DescribeNamespace", new DescribeNamespaceRequest { Namespace = "default" }),
        };
        foreach (var (method, request) in calls)
        {
            var body = other.WriteReadableFile($"{method}.grpc", Frame(request));
            foreach (var (what, header) in new[] { ("no key", (string?)null), ("a wrong key", "authorization: Bearer not-the-key") })
            {
                var call = await other.RunAsync("/usr/bin/curl", GrpcCurl(owner.Address, method, body, header));
                Note(tried, $"gRPC {method} with {what}", call);
                Assert.True(GrpcStatus(call) == 16, $"{method} with {what}: {call.Output}");
            }

            if (method != "StartWorkflowExecution" && method != "SignalWorkflowExecution")
            {
                var control = await owner.RunAsync("/usr/bin/curl", GrpcCurl(owner.Address, method, body, $"authorization: Bearer {key}"), owner.Repo);
                Assert.True(GrpcStatus(control) == 0, $"the owner's {method} with the key: {control.Output}");
            }
        }

        // The HTTP API and the Web UI on the UI's port: reads, a write, a wrong bearer, the owner's login link once used.
        var login = LoginRegex().Match(status.Output).Groups[1].Value;
        var ownersBrowser = await owner.RunAsync("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", login], owner.Repo);
        Assert.Equal("302", ownersBrowser.Stdout);
        var requests = new (string What, string[] Args)[]
        {
            ("GET /api/v1/namespaces/default/workflows", [$"{ui}/api/v1/namespaces/default/workflows"]),
            ($"GET /api/v1/namespaces/default/workflows/{hello}", [$"{ui}/api/v1/namespaces/default/workflows/{hello}"]),
            ($"GET /api/v1/namespaces/default/workflows/{hello}/history", [$"{ui}/api/v1/namespaces/default/workflows/{hello}/history"]),
            ("GET /api/v1/namespaces/default/workflows with a wrong bearer", ["-H", "Authorization: Bearer not-the-key", $"{ui}/api/v1/namespaces/default/workflows"]),
            ($"POST /api/v1/namespaces/default/workflows/{running}/signal/stop", ["-X", "POST", "-H", "Content-Type: application/json", "-d", "{}", $"{ui}/api/v1/namespaces/default/workflows/{running}/signal/stop"]),
            ("GET / (the UI)", [$"{ui}/"]),
            ($"GET /namespaces/default/workflows/{hello} (a run's page)", [$"{ui}/namespaces/default/workflows/{hello}"]),
            ("GET the owner's login link, after the owner opened it", [login]),
        };
        foreach (var (what, args) in requests)
        {
            var response = await other.RunAsync("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", .. args]);
            Note(tried, $"HTTP {what}", response);
            Assert.True(response.Stdout == "401", $"{what}: {response.Output}");
        }

        // The other user's own dstack, pointed at the owner's address.
        foreach (var args in new[] { new[] { "ps", "-a" }, ["stop", "-y", running], ["run", "hello"], ["worker"] })
        {
            var command = await other.DstackAsync(args);
            Note(tried, $"dstack {string.Join(' ', args)}", command);
            Assert.True(command.ExitCode == 2, command.Output);
            Assert.Contains($"the dstack server at {owner.Address} is not yours", OneLine(command.Output), StringComparison.Ordinal);
            Assert.DoesNotContain("hello from", command.Output, StringComparison.Ordinal);
        }

        // `dstack logs` reads the run's log from the user's own storage and never asks the server; the owner's run is not there.
        var logs = await other.DstackAsync("logs", hello);
        Note(tried, $"dstack logs {hello}", logs);
        Assert.True(logs.ExitCode == 1 && logs.Output.Contains($"run {hello} not found in {Path.Combine(other.DstackHome, "storage")}", StringComparison.Ordinal), logs.Output);

        // `dstack server stop` acts on the user's own dstack folder only.
        var stopServer = await other.DstackAsync("server", "stop");
        Note(tried, "dstack server stop", stopServer);
        Assert.True(stopServer.ExitCode == 0 && stopServer.Output.Contains("nothing to stop", StringComparison.Ordinal), stopServer.Output);

        output.WriteLine($"What {other.Name} tried against {owner.Address} (UI {ui}), and what each got:");
        foreach (var line in tried)
        {
            output.WriteLine(line);
        }

        // Nothing of the other user's reached the owner's server, and the owner's commands all still work.
        var ps = await owner.DstackAsync("ps", "-a");
        Assert.True(ps.ExitCode == 0, ps.Output);
        Assert.Contains(hello, ps.Stdout, StringComparison.Ordinal);
        Assert.Contains(running, ps.Stdout, StringComparison.Ordinal);
        var intruder = await owner.RunAsync(
            "/usr/bin/curl",
            GrpcCurl(owner.Address, "DescribeWorkflowExecution", other.WriteReadableFile("intruder.grpc", Frame(new DescribeWorkflowExecutionRequest { Namespace = "default", Execution = new WorkflowExecution { WorkflowId = "intruder" } })), $"authorization: Bearer {key}"),
            owner.Repo);
        Assert.True(GrpcStatus(intruder) == 5, $"the other user's StartWorkflowExecution made a workflow: {intruder.Output}");
        var ownLogs = await owner.DstackAsync("logs", hello);
        Assert.True(ownLogs.ExitCode == 0 && ownLogs.Stdout.Contains("hello from", StringComparison.Ordinal), ownLogs.Output);
        using (var manifest = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(owner.Home, "storage", "runs", running, "manifest.json"))))
        {
            // The other user's stop signal did not reach it.
            Assert.Equal("running", manifest.RootElement.GetProperty("status").GetString()?.ToLowerInvariant());
        }

        var stop = await owner.DstackAsync("stop", "-y", running);
        Assert.True(stop.ExitCode == 0, stop.Output);
        var stopped = await WaitFinishedAsync(owner, running);
        Assert.Equal("stopped", stopped.GetProperty("status").GetString()?.ToLowerInvariant());
        var again = await owner.DstackAsync("run", "hello");
        Assert.True(again.ExitCode == 0 && again.Output.Contains("hello from", StringComparison.Ordinal), again.Output);
        var serverStop = await owner.DstackAsync("server", "stop");
        Assert.True(serverStop.ExitCode == 0 && serverStop.Output.Contains($"Stopped dstack server (pid {serverPid}", StringComparison.Ordinal), serverStop.Output);
    }

    /// <summary>A gRPC request body: the uncompressed flag, the length (big-endian), the message.</summary>
    private static byte[] Frame(IMessage request)
    {
        var message = request.ToByteArray();
        var framed = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), message.Length);
        message.CopyTo(framed, 5);
        return framed;
    }

    private static string[] GrpcCurl(string address, string method, string body, string? header) =>
    [
        "-sS", "--http2-prior-knowledge", "-X", "POST", "-H", "content-type: application/grpc", "-H", "te: trailers",
        .. header is null ? Array.Empty<string>() : ["-H", header],
        "--data-binary", $"@{body}", "-D", "-", "-o", "/dev/null", $"http://{address}/{WorkflowService}/{method}",
    ];

    /// <summary>The grpc-status that curl printed among the headers and trailers, or -1.</summary>
    private static int GrpcStatus(ProcessResult curl) =>
        GrpcStatusRegex().Match(curl.Stdout) is { Success: true } match ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;

    private static void Note(List<string> tried, string what, ProcessResult result)
    {
        var got = GrpcStatusRegex().Match(result.Stdout) is { Success: true } status
            ? $"grpc-status {status.Groups[1].Value}"
            : $"exit {result.ExitCode}: {OneLine(result.Output).Trim()}";
        tried.Add($"- {what}: {(got.Length > 300 ? got[..300] + "..." : got)}");
    }

    private static string OneLine(string text) => WhitespaceRegex().Replace(text, " ");

    [GeneratedRegex(@"\(pid ([0-9]+)\)")]
    private static partial Regex PidRegex();

    [GeneratedRegex(@"Web UI at (http://\S+\?token=\S+)")]
    private static partial Regex LoginRegex();

    [GeneratedRegex(@"^grpc-status: ([0-9]+)", RegexOptions.Multiline)]
    private static partial Regex GrpcStatusRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
