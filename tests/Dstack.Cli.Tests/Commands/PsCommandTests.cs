using System.Text.Json.Nodes;
using Dstack.Core.Backends;
using Dstack.Core.Runs;
using Dstack.Core.Storage;

namespace Dstack.Cli.Tests.Commands;

public sealed class PsCommandTests
{
    [Fact]
    public async Task PsAll_TemporalDown_ListsEveryRunFromManifests()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("old-owl-1", RunStatus.Done, TimeSpan.FromDays(3));
        await home.AddRunAsync("sad-fox-2", RunStatus.Failed, TimeSpan.FromHours(2));
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));

        var (exitCode, output) = await home.RunAsync("ps", "-a");

        Assert.Equal(ExitCodes.Ok, exitCode);
        foreach (var header in new[] { "RUN", "WORKFLOW", "SUBMITTED", "STATUS", "BACKEND", "PRICE" })
        {
            Assert.Contains(header, output, StringComparison.Ordinal);
        }

        Assert.Contains("3 days ago", output, StringComparison.Ordinal);
        Assert.Contains("2 hours ago", output, StringComparison.Ordinal);
        Assert.Contains("5 mins ago", output, StringComparison.Ordinal);
        Assert.Contains("$0/h", output, StringComparison.Ordinal);
        Assert.True(output.IndexOf("old-owl-1", StringComparison.Ordinal) < output.IndexOf("busy-bee-3", StringComparison.Ordinal), "oldest first");
        Assert.DoesNotContain("(lost)", output, StringComparison.Ordinal);
        Assert.Contains("Statuses are from storage only", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PsAll_RunsOfSeveralRepos_ShowsTheCurrentReposWithItsNameAndAllReposShowsEvery()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("old-owl-1", RunStatus.Done, TimeSpan.FromDays(3));
        await home.AddRunAsync("sad-fox-2", RunStatus.Failed, TimeSpan.FromHours(2), m => m with
        {
            Spec = m.Spec with { Repo = m.Spec.Repo with { RepoId = "git@github.com:acme/website.git" } },
        });

        var (exitCode, mine) = await home.RunAsync("ps", "-a");
        var (allExit, every) = await home.RunAsync("ps", "-a", "--all-repos");
        var (_, json) = await home.RunAsync("ps", "-a", "--json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("REPO", mine, StringComparison.Ordinal);
        Assert.Contains("old-owl-1", mine, StringComparison.Ordinal);
        Assert.Contains(" models ", mine, StringComparison.Ordinal);
        Assert.DoesNotContain("sad-fox-2", mine, StringComparison.Ordinal);
        Assert.Contains("1 run of other repositories not shown", mine, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, allExit);
        Assert.Contains("old-owl-1", every, StringComparison.Ordinal);
        Assert.Contains("sad-fox-2", every, StringComparison.Ordinal);
        Assert.Contains(" website ", every, StringComparison.Ordinal);
        Assert.DoesNotContain("not shown", every, StringComparison.Ordinal);
        var run = Assert.Single(JsonNode.Parse(json)!.AsArray())!;
        Assert.Equal(TestHome.RepoId, (string?)run["repo"]);
    }

    [Fact]
    public async Task PsAll_RepoOption_ListsTheRunsOfThatFolder()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        using var other = new TempRepo(null);
        var folder = Path.GetFileName(other.Root); // outside Git a run's repository is its folder's name
        await home.AddRunAsync("old-owl-1", RunStatus.Done, TimeSpan.FromDays(3));
        await home.AddRunAsync("sad-fox-2", RunStatus.Failed, TimeSpan.FromHours(2), m => m with
        {
            Spec = m.Spec with { Repo = new RepoInfo(folder, null, null, null, false) },
        });

        var (exitCode, output) = await home.RunAsync("ps", "-a", "--repo", other.Root);

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("sad-fox-2", output, StringComparison.Ordinal);
        Assert.DoesNotContain("old-owl-1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PsAll_TemporalRestartedEmpty_MarksUnfinishedRunsLost()
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("old-owl-1", RunStatus.Done, TimeSpan.FromDays(3));
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));

        var (exitCode, output) = await home.RunAsync("ps", "-a");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("old-owl-1", output, StringComparison.Ordinal);
        Assert.Contains("running (lost)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("storage only", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ps_RunWhoseWorkflowWasTerminated_ShowsItTerminatedNotRunning()
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5));
        var handle = await home.StartRunWorkflowAsync("busy-bee-3", "q");
        await handle.TerminateAsync("terminated from the Temporal Web UI");

        var (exitCode, table) = await home.RunAsync("ps");
        var (_, json) = await home.RunAsync("ps", "--json");
        var (_, details) = await home.RunAsync("ps", "busy-bee-3");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("terminated", table, StringComparison.Ordinal);
        Assert.DoesNotContain("running", table, StringComparison.Ordinal);
        var run = Assert.Single(JsonNode.Parse(json)!.AsArray())!;
        Assert.True((bool)run["lost"]!);
        Assert.False((bool)run["live"]!);
        Assert.Equal("terminated", (string?)run["endedInTemporal"]);
        var note = string.Join(' ', details.Split((char[])[' ', '\n', '│'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Its workflow was terminated in Temporal while the run was running", note, StringComparison.Ordinal);
        Assert.Contains("dstack stop busy-bee-3", note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ps_CloudMachineOfATerminatedRun_ListedAsLeakedWhileALiveRunsMachineIsNot()
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromMinutes(5), m => m with { Backend = "aws" });
        await home.AddRunAsync("new-elk-4", RunStatus.Running, TimeSpan.FromMinutes(3), m => m with { Backend = "aws" });
        var terminated = await home.StartRunWorkflowAsync("busy-bee-3", "q");
        await terminated.TerminateAsync("terminated from the Temporal Web UI");
        await home.StartRunWorkflowAsync("new-elk-4", "q");
        IReadOnlyList<TaggedMachine> machines =
        [
            new("aws", "us-east-1", "i-0terminatedrun", "g5.xlarge", "busy-bee-3", "alice", "running", DateTimeOffset.UtcNow),
            new("aws", "us-east-1", "i-0liverun", "g5.xlarge", "new-elk-4", "alice", "running", DateTimeOffset.UtcNow),
        ];

        var (exitCode, output) = await CliRunner.RunAsync(
            console => home.CreateContext(console) with { ListCloudMachinesAsync = _ => Task.FromResult(machines) }, "ps");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("LEAKED MACHINE", output, StringComparison.Ordinal);
        Assert.Contains("i-0terminatedrun", output, StringComparison.Ordinal);
        Assert.DoesNotContain("i-0liverun", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ps_WithoutAll_ShowsUnfinishedRunsAndTheLastFinishedOne()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("old-owl-1", RunStatus.Done, TimeSpan.FromDays(3));
        await home.AddRunAsync("sad-fox-2", RunStatus.Failed, TimeSpan.FromHours(2));
        await home.AddRunAsync("busy-bee-3", RunStatus.Running, TimeSpan.FromDays(4));

        var (exitCode, output) = await home.RunAsync("ps");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("busy-bee-3", output, StringComparison.Ordinal);
        Assert.Contains("sad-fox-2", output, StringComparison.Ordinal);
        Assert.DoesNotContain("old-owl-1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ps_OpenRun_ShowsTemporalsLiveStatusAndRunsWithoutManifest()
    {
        await using var home = await TestHome.WithTemporalAsync();
        await home.AddRunAsync("busy-bee-3", RunStatus.Provisioning, TimeSpan.FromMinutes(5));
        await home.StartRunWorkflowAsync("busy-bee-3", "q", status: "running");
        await home.StartRunWorkflowAsync("new-elk-4", "q", status: "submitted");

        var (exitCode, output) = await home.RunAsync("ps", "--json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        var runs = JsonNode.Parse(output)!.AsArray();
        var busy = runs.Single(r => (string?)r!["name"] == "busy-bee-3")!;
        Assert.Equal("running", (string?)busy["status"]);
        Assert.True((bool)busy["live"]!);
        Assert.False((bool)busy["lost"]!);
        var fresh = runs.Single(r => (string?)r!["name"] == "new-elk-4")!;
        Assert.Equal("submitted", (string?)fresh["status"]);
        Assert.Equal("train", (string?)fresh["workflow"]);
    }

    [Fact]
    public async Task PsJson_PrintsAnArrayWithCamelCaseFields()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("sad-fox-2", RunStatus.Failed, TimeSpan.FromHours(2), m => m with { Reason = FailureReason.Error, ExitCode = 3 });

        var (exitCode, output) = await home.RunAsync("ps", "-a", "--json");

        Assert.Equal(ExitCodes.Ok, exitCode);
        var run = Assert.Single(JsonNode.Parse(output)!.AsArray())!;
        Assert.Equal("sad-fox-2", (string?)run["name"]);
        Assert.Equal("train", (string?)run["workflow"]);
        Assert.Equal("failed", (string?)run["status"]);
        Assert.True((bool)run["finished"]!);
        Assert.Equal("error", (string?)run["reason"]);
        Assert.Equal(3, (int)run["exitCode"]!);
        Assert.Equal("local", (string?)run["backend"]);
        Assert.Equal(0m, (decimal)run["pricePerHour"]!);
        Assert.NotNull(run["submittedAt"]);
    }

    [Fact]
    public async Task Ps_Run_ShowsItInDetail()
    {
        await using var home = await TestHome.WithoutTemporalAsync();
        await home.AddRunAsync("sad-fox-2", RunStatus.Failed, TimeSpan.FromHours(2), m => m with
        {
            Reason = FailureReason.Error,
            Message = "The job exited with code 3.",
            ExitCode = 3,
            Backend = "aws",
            InstanceType = "g5.xlarge",
            Region = "us-east-1",
            PricePerHour = 1.006m,
            Artifacts = ["./output"],
        });
        var job = Directory.CreateTempSubdirectory("dstack-job-").FullName;
        Directory.CreateDirectory(Path.Combine(job, "output"));
        await File.WriteAllTextAsync(Path.Combine(job, "output", "model.bin"), "weights");
        await home.Artifacts.UploadAsync("sad-fox-2", StorageLayout.MainJob, job, ["./output"]);

        var (exitCode, output) = await home.RunAsync("ps", "sad-fox-2");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("error: The job exited with code 3.", output, StringComparison.Ordinal);
        Assert.Contains("Exit code", output, StringComparison.Ordinal);
        Assert.Contains("g5.xlarge in us-east-1", output, StringComparison.Ordinal);
        Assert.Contains("$1.006/h", output, StringComparison.Ordinal);
        Assert.Contains("./output (1 file, 7 B)", output, StringComparison.Ordinal);
        Assert.Contains("main @ 0123456789ab", output, StringComparison.Ordinal);
        Directory.Delete(job, recursive: true);
    }

    [Fact]
    public async Task Ps_UnknownRun_FailsWithExitOne()
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync("ps", "no-such-run");

        Assert.Equal(ExitCodes.RunFailure, exitCode);
        Assert.Contains("run no-such-run not found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ps_NoRuns_SaysHowToStartOne()
    {
        await using var home = await TestHome.WithoutTemporalAsync();

        var (exitCode, output) = await home.RunAsync("ps");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Contains("No runs yet", output, StringComparison.Ordinal);
    }
}
