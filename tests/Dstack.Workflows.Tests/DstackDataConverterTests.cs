using Dstack.Core.Backends;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Workflows.Contracts;
using Temporalio.Converters;

namespace Dstack.Workflows.Tests;

/// <summary>
/// dstack's converter must write exactly what Temporal's default writes (runs started by an older CLI, or by any client
/// with the default converter, are read by the worker, and the other way round), for every field of the payloads.
/// </summary>
public sealed class DstackDataConverterTests
{
    private static readonly IPayloadConverter Generated = DstackDataConverter.Instance.PayloadConverter;
    private static readonly IPayloadConverter Default = DataConverter.Default.PayloadConverter;

    private static RunSpec FullSpec() => new()
    {
        RunName = "wise-owl-1",
        WorkflowName = "train",
        Provider = WorkflowProvider.Bash,
        Repo = new RepoInfo("https://example.com/r.git", "https://example.com/r.git", "main", "abc", Dirty: true),
        CodeHash = "c0de",
        Setup = ["pip list"],
        Commands = ["python train.py", "echo ünïcode \"quoted\" <tag> & 'single'"],
        Python = "3.11",
        Requirements = "requirements.txt",
        RequirementsPath = "requirements.txt",
        Conda = "env.yml",
        CondaPath = "env.yml",
        Image = "ubuntu:22.04",
        Env = new Dictionary<string, string> { ["A"] = "1", ["B"] = "two words" },
        Secrets = ["TOKEN"],
        WorkingDir = "src",
        Ports = [8000, 8080],
        Artifacts = [new ArtifactRef("output", false), new ArtifactRef("checkpoints", true)],
        Deps = [new DepRef("workflow", "prepare", "prepare-run-1"), new DepRef("tag", "data")],
        Resources = new ResourceRequest { CpuMin = 2, CpuMax = 8, MemoryMinBytes = 8L << 30, GpuCountMin = 1, GpuNames = ["A100"], GpuMemoryMinBytes = 40L << 30 },
        SpotPolicy = SpotPolicy.Auto,
        RetryOnEvents = ["no-capacity", "interruption"],
        RetryDuration = TimeSpan.FromHours(1.5),
        MaxPrice = 1.234m,
        MaxDuration = TimeSpan.FromHours(2),
        IdleDuration = TimeSpan.FromMinutes(30),
        Backends = ["aws", "ssh"],
        Regions = ["us-east-1"],
        Args = ["--epochs", "3"],
        Tag = "best",
        User = "tester",
        SubmittedAt = new DateTimeOffset(2026, 11, 28, 9, 30, 15, 123, TimeSpan.FromHours(1)),
    };

    private static RunWorkflowInput FullInput()
    {
        var attempt = new RunAttempt
        {
            Number = 1,
            Backend = "aws",
            Region = "us-east-1",
            InstanceType = "g5.xlarge",
            InstanceId = "i-0123",
            Spot = true,
            PricePerHour = 0.4512m,
            OnDemandPricePerHour = 1.006m,
            StartedAt = DateTimeOffset.UnixEpoch.AddHours(1),
            EndedAt = DateTimeOffset.UnixEpoch.AddHours(2),
            Outcome = "interrupted",
            Interruption = "spot notice",
            InterruptedAt = DateTimeOffset.UnixEpoch.AddHours(2),
        };
        var manifest = new RunManifest
        {
            Spec = FullSpec(),
            Status = RunStatus.Running,
            Reason = "interruption",
            Message = "spot instance interrupted",
            ExitCode = 3,
            Backend = "aws",
            InstanceType = "g5.xlarge",
            Region = "us-east-1",
            PricePerHour = 0.4512m,
            EnvironmentHash = "e1",
            StartedAt = DateTimeOffset.UnixEpoch,
            Attempts = [attempt],
            Artifacts = ["output"],
        };
        var continuation = new RunContinuation(
            manifest, 4, new DateTime(2026, 11, 28, 12, 0, 0, DateTimeKind.Utc), TimeSpan.FromSeconds(30), ["us-west-2"], ["no capacity"],
            new Dictionary<string, decimal?> { ["g5.xlarge"] = 1.006m, ["p5.48xlarge"] = null }, 1234, ["submitted", "provisioning"], StopRequested: true, AbortRequested: false);
        return new RunWorkflowInput(FullSpec(), 2, continuation);
    }

    public static TheoryData<object> Payloads() =>
    [
        FullInput(),
        new RunWorkflowInput(FullSpec() with { Env = new Dictionary<string, string>(), Resources = ResourceRequest.None, RetryDuration = null, MaxPrice = null }),
        new RunResult(RunStatus.Failed, 2, "error", "exit code 2"),
        new RunProgress(RunStatus.Running, 2, "aws", "g5.xlarge", "us-east-1", 0.45m, ["a", "b"], FullInput().Continuation!.Manifest.Attempts),
        new Instance("aws", "i-0123", new InstanceOffer("aws", "us-east-1", "g5.xlarge", new MachineResources(4, 16L << 30, [new GpuInfo("A10G", 24L << 30)], 100L << 30), 1.006m, true, "available", ["fast"])),
        new ExecuteJobResult(0, 42),
        new InterruptionNotice("metadata", "terminate", DateTimeOffset.UnixEpoch),
    ];

    [Theory]
    [MemberData(nameof(Payloads))]
    public void ToPayload_WritesWhatTemporalsDefaultWrites(object value)
    {
        var generated = Generated.ToPayload(value);
        var reflected = Default.ToPayload(value);

        Assert.Equal(reflected.Data.ToStringUtf8(), generated.Data.ToStringUtf8());
        Assert.Equal(reflected.Metadata, generated.Metadata);
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void ToValue_ReadsWhatTemporalsDefaultWrote(object value)
    {
        var written = Default.ToPayload(value);

        var read = Generated.ToValue(written, value.GetType());

        Assert.Equal(written.Data.ToStringUtf8(), Default.ToPayload(read).Data.ToStringUtf8());
    }
}
