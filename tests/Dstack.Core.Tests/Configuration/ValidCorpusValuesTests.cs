using Dstack.Core.Configuration;

namespace Dstack.Core.Tests.Configuration;

/// <summary>The values read from the valid corpus files, key by key.</summary>
public sealed class ValidCorpusValuesTests
{
    private static MemorySize Gb(long n) => new(n * 1024 * 1024 * 1024);

    [Fact]
    public void Parse_A2Train_ReadsDepsPythonArtifactsAndResources()
    {
        var train = Corpus.Single("a2-train.yaml", "train");

        Assert.Equal(WorkflowProvider.Bash, train.Provider);
        Assert.Equal(new DepSpec(DepKind.Tag, "some_tag"), Assert.Single(train.Deps));
        Assert.Equal(new PythonVersion(3, 10), train.Python);
        Assert.Equal(["pip install -r requirements.txt", "python src/train.py"], train.Commands.Select(c => c.Text));
        Assert.Equal(new ArtifactSpec(new TemplateString("./checkpoint"), false), Assert.Single(train.Artifacts));
        Assert.True(train.Resources.Interruptible);
        Assert.Equal(SpotPolicy.Spot, train.SpotPolicy);
        Assert.Equal(new Range<int>(1, 1), train.Resources.Gpu!.Count);
        Assert.Equal(new SourceLocation(Corpus.MainFile, 2, 5), train.Source);
    }

    [Fact]
    public void Parse_A2Mnist_ReadsWorkflowDep()
    {
        var consumer = Corpus.Single("a2-mnist.yaml", "train-mnist");

        Assert.Equal(new DepSpec(DepKind.Workflow, "mnist-data"), Assert.Single(consumer.Deps));
        Assert.Equal("./lightning_logs", Assert.Single(consumer.Artifacts).Path.Text);
    }

    [Fact]
    public void Parse_A2Conda_ReadsTheEnvironmentPrefixAsArtifact()
    {
        // The environment is made with --prefix inside the job's folder: artifacts are saved from there only.
        Assert.Equal("./envs/myenv", Assert.Single(Corpus.Single("a2-conda.yaml", "setup-conda").Artifacts).Path.Text);
        Assert.Equal(["conda activate ./envs/myenv", "python conda/hello_pandas.py"], Corpus.Single("a2-conda.yaml", "use-conda").Commands.Select(c => c.Text));
    }

    [Fact]
    public void Parse_A2HelloArgs_ReadsEnvListAndArgsTemplate()
    {
        var workflow = Corpus.Single("a2-hello-args.yaml", "hello-args");

        Assert.Equal([new EnvVar("DSTACK_ENV_1", new TemplateString("VAL1")), new EnvVar("DSTACK_ENV_3", null)], workflow.Env);
        var rendered = Assert.Single(workflow.Commands).Render(new RunContext("wise-owl-1", ["Hello, world!", "x"]));
        Assert.Equal("python args/hello-arg.py 'Hello, world!' x", rendered);
    }

    [Fact]
    public void Parse_A2Ports_ReadsCountAndList()
    {
        var fastapi = Corpus.Single("a2-hello-fastapi.yaml", "hello-fastapi").Ports!;
        Assert.Equal(1, fastapi.Count);
        Assert.Empty(fastapi.Numbers);
        var board = Corpus.Single("ports-list.yaml", "board");
        Assert.Equal(2, board.Ports!.Count);
        Assert.Equal([6006, 8080], board.Ports.Numbers);
        Assert.Equal(3, Corpus.Single("ports-list.yaml", "app").Ports!.Count);
    }

    [Fact]
    public void Parse_A2HelloSh_ReadsMountedArtifact()
    {
        Assert.True(Assert.Single(Corpus.Single("a2-hello-sh.yaml", "hello-sh").Artifacts).Mount);
    }

    [Fact]
    public void Parse_A2HelloDocker_ReadsImageGpuMapMemoryAndShm()
    {
        var docker = Corpus.Single("a2-hello-docker.yaml", "hello-docker");

        Assert.Equal(WorkflowProvider.Docker, docker.Provider);
        Assert.Equal("ubuntu", docker.Image);
        Assert.Equal(["K80"], docker.Resources.Gpu!.Names);
        Assert.Equal(new Range<int>(1, 1), docker.Resources.Gpu.Count);
        Assert.Equal(new Range<MemorySize>(Gb(64), Gb(64)), docker.Resources.Memory);
        Assert.Equal(Gb(16), docker.Resources.ShmSize);
        Assert.Equal("echo 'Hello, world!' > output/hello.txt", docker.Commands[1].Text);
    }

    [Fact]
    public void Parse_A2Ide_ReadsEveryIdeProvider()
    {
        var workflows = Corpus.ParseValid("a2-ide.yaml");

        Assert.Equal([WorkflowProvider.Code, WorkflowProvider.Lab, WorkflowProvider.Notebook], workflows.Select(w => w.Provider));
        Assert.All(workflows, w => Assert.Equal("64GB", w.Resources.Memory!.ToString()));
    }

    [Fact]
    public void Parse_MultiLineCommands_SplitsIntoNonBlankLines()
    {
        var script = Corpus.Single("commands-multiline.yaml", "script");

        Assert.Equal(["pip install -r requirements.txt", "echo ready"], script.Setup.Select(c => c.Text));
        Assert.Equal(["echo \"run ${{ run.name }}\"", "python train.py ${{ run.args }}"], script.Commands.Select(c => c.Text));
        Assert.Equal(["echo hello"], Corpus.Single("commands-multiline.yaml", "one-liner").Commands.Select(c => c.Text));
    }

    [Theory]
    [InlineData("py39", 9)]
    [InlineData("py310", 10)]
    [InlineData("py311", 11)]
    [InlineData("py312", 12)]
    [InlineData("py37", 7)]
    public void Parse_PythonForms_KeepTheWrittenMinor(string workflow, int minor)
    {
        Assert.Equal(new PythonVersion(3, minor), Corpus.Single("python-forms.yaml", workflow).Python);
    }

    [Fact]
    public void Parse_PythonAbsent_IsNullForHostDefault()
    {
        Assert.Null(Corpus.Single("a2-mnist.yaml", "mnist-data").Python);
    }

    [Fact]
    public void Parse_EnvMap_KeepsScalarTextAndNullForLocal()
    {
        var env = Corpus.Single("env-map.yaml", "env-map").Env;

        Assert.Equal(["MODE", "EPOCHS", "DEBUG", "HF_TOKEN", "OUT_DIR"], env.Select(e => e.Name));
        Assert.Equal(["fast", "10", "true", null, "out/${{ run.name }}"], env.Select(e => e.Value?.Text));
    }

    [Fact]
    public void Parse_ArtifactStringsAndMaps_AreRead()
    {
        var artifacts = Corpus.Single("artifacts-strings.yaml", "artifacts").Artifacts;

        Assert.Equal(["./output", "logs", "./checkpoints", "./reports"], artifacts.Select(a => a.Path.Text));
        Assert.Equal([false, false, true, false], artifacts.Select(a => a.Mount));
    }

    [Fact]
    public void Parse_DepsOfEveryKind_AreRead()
    {
        Assert.Equal(
            [new DepSpec(DepKind.Workflow, "prepare"), new DepSpec(DepKind.Tag, "v1-data"), new DepSpec(DepKind.Run, "wise-owl-1")],
            Corpus.Single("deps-all.yaml", "deps").Deps);
    }

    [Theory]
    [InlineData("cpu-exact", 4, 4)]
    [InlineData("cpu-min", 4, null)]
    [InlineData("cpu-range", 2, 8)]
    [InlineData("cpu-max", null, 8)]
    [InlineData("cpu-string", 16, 16)]
    public void Parse_CpuForms_AreRanges(string workflow, int? min, int? max)
    {
        Assert.Equal(new Range<int>(min, max), Corpus.Single("cpu-forms.yaml", workflow).Resources.Cpu);
    }

    [Fact]
    public void Parse_MemoryForms_AreBinarySizesAndRanges()
    {
        var memory = Corpus.Single("memory-forms.yaml", "memory").Resources;
        Assert.Equal(new Range<MemorySize>(Gb(16), Gb(64)), memory.Memory);
        Assert.Equal(new MemorySize(512L * 1024 * 1024), memory.ShmSize);
        Assert.Equal(new Range<MemorySize>(Gb(1024), Gb(1024)), memory.Disk);

        var min = Corpus.Single("memory-forms.yaml", "memory-min").Resources;
        Assert.Equal(new Range<MemorySize>(Gb(8), null), min.Memory);
        Assert.Equal("100GB..", min.Disk!.ToString());

        var max = Corpus.Single("memory-forms.yaml", "memory-max").Resources;
        Assert.Equal(new Range<MemorySize>(null, Gb(1024)), max.Memory);
        Assert.Equal("1.5TB", max.Disk!.ToString());

        Assert.Equal("512MB", Corpus.Single("memory-forms.yaml", "memory-lowercase").Resources.Memory!.ToString());
    }

    [Theory]
    [InlineData("gpu-one", 1, 1)]
    [InlineData("gpu-range", 1, 2)]
    [InlineData("gpu-string", 2, 2)]
    [InlineData("gpu-none", 0, 0)]
    public void Parse_GpuCounts_AreRanges(string workflow, int min, int max)
    {
        var gpu = Corpus.Single("gpu-count.yaml", workflow).Resources.Gpu!;

        Assert.Equal(new Range<int>(min, max), gpu.Count);
        Assert.Empty(gpu.Names);
    }

    [Fact]
    public void Parse_GpuMap_ReadsNamesCountMemoryVendor()
    {
        var gpu = Corpus.Single("gpu-map.yaml", "gpu-map").Resources.Gpu!;
        Assert.Equal(["A100", "H100"], gpu.Names);
        Assert.Equal(new Range<int>(1, 2), gpu.Count);
        Assert.Equal(new Range<MemorySize>(Gb(40), null), gpu.Memory);

        var named = Corpus.Single("gpu-map.yaml", "gpu-map-name").Resources.Gpu!;
        Assert.Equal(GpuVendor.Nvidia, named.Vendor);
        Assert.Equal(["A10G"], named.Names);
        Assert.Equal(new Range<int>(1, 1), named.Count);
    }

    [Fact]
    public void Parse_GpuList_IsNames()
    {
        Assert.Equal(["A10G", "A100"], Corpus.Single("gpu-list.yaml", "gpu-list").Resources.Gpu!.Names);
    }

    [Theory]
    [InlineData("g1", null, "A100", 1, 1, null, null, "A100")]
    [InlineData("g2", null, "A100", 2, 2, 80, 80, "A100:80GB:2")]
    [InlineData("g3", null, "", 1, 1, 24, null, "24GB..")]
    [InlineData("g4", null, "A10G,A100", 1, 2, null, null, "A10G,A100:1..2")]
    [InlineData("g5", GpuVendor.Nvidia, "", 1, 8, null, null, "nvidia:1..8")]
    [InlineData("g6", null, "", 4, 4, 40, 80, "40GB..80GB:4")]
    [InlineData("g7", GpuVendor.Google, "", 8, 8, null, null, "google:8")]
    [InlineData("g8", null, "H100", 1, 2, null, null, "H100:1..2")]
    public void Parse_GpuCompactForms_AreSplitIntoTokens(
        string workflow, GpuVendor? vendor, string names, int min, int max, int? memoryMin, int? memoryMax, string formatted)
    {
        var gpu = Corpus.Single("gpu-compact.yaml", workflow).Resources.Gpu!;

        Assert.Equal(vendor, gpu.Vendor);
        Assert.Equal(names, string.Join(',', gpu.Names));
        Assert.Equal(new Range<int>(min, max), gpu.Count);
        var memory = memoryMin is null && memoryMax is null
            ? null
            : new Range<MemorySize>(memoryMin is { } a ? Gb(a) : null, memoryMax is { } b ? Gb(b) : null);
        Assert.Equal(memory, gpu.Memory);
        Assert.Equal(formatted, gpu.ToString());
    }

    [Theory]
    [InlineData("spot-implied", SpotPolicy.Spot)]
    [InlineData("spot-auto", SpotPolicy.Auto)]
    [InlineData("not-interruptible", SpotPolicy.OnDemand)]
    public void Parse_Interruptible_ImpliesSpotUnlessPolicyGiven(string workflow, SpotPolicy expected)
    {
        Assert.Equal(expected, Corpus.Single("interruptible.yaml", workflow).SpotPolicy);
    }

    [Theory]
    [InlineData("spot", SpotPolicy.Spot)]
    [InlineData("on-demand", SpotPolicy.OnDemand)]
    [InlineData("auto", SpotPolicy.Auto)]
    [InlineData("default", SpotPolicy.OnDemand)]
    public void Parse_SpotPolicy_IsRead(string workflow, SpotPolicy expected)
    {
        Assert.Equal(expected, Corpus.Single("spot-policy.yaml", workflow).SpotPolicy);
    }

    [Fact]
    public void Parse_RetryBool_TrueIsEveryEventForAnHour()
    {
        var retry = Corpus.Single("retry-bool.yaml", "retry-on").Retry!;

        Assert.Equal([RetryEvent.NoCapacity, RetryEvent.Interruption, RetryEvent.Error], retry.OnEvents);
        Assert.Equal(TimeSpan.FromHours(1), retry.Duration);
        Assert.Null(Corpus.Single("retry-bool.yaml", "retry-off").Retry);
    }

    [Fact]
    public void Parse_RetryMap_ReadsEventsAndDuration()
    {
        var events = Corpus.Single("retry-map.yaml", "retry-events").Retry!;
        Assert.Equal([RetryEvent.NoCapacity, RetryEvent.Interruption], events.OnEvents);
        Assert.Equal(TimeSpan.FromHours(2), events.Duration);

        var duration = Corpus.Single("retry-map.yaml", "retry-duration").Retry!;
        Assert.Equal(3, duration.OnEvents.Count);
        Assert.Equal(TimeSpan.FromMinutes(30), duration.Duration);

        Assert.Equal([RetryEvent.Error], Corpus.Single("retry-map.yaml", "retry-error").Retry!.OnEvents);
    }

    [Theory]
    [InlineData("l1", "0.5", 1800)]
    [InlineData("l2", "2", 7200)]
    [InlineData("l3", "12.75", 86400)]
    [InlineData("l4", null, 90)]
    [InlineData("l5", null, null)]
    [InlineData("l6", null, 3600)]
    [InlineData("l7", null, null)]
    public void Parse_Limits_ReadPriceAndDuration(string workflow, string? price, int? seconds)
    {
        var spec = Corpus.Single("limits.yaml", workflow);

        Assert.Equal(price is null ? null : decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture), spec.MaxPrice);
        Assert.Equal(seconds is { } s ? TimeSpan.FromSeconds(s) : null, spec.MaxDuration);
    }

    [Fact]
    public void Parse_BackendsAndRegions_AreRead()
    {
        var spec = Corpus.Single("backends-regions.yaml", "placed");

        Assert.Equal([BackendType.Local, BackendType.Ssh, BackendType.Aws], spec.Backends);
        Assert.Equal(["us-east-1", "eu-west-1"], spec.Regions);
    }

    [Fact]
    public void Parse_IdleDuration_IsReadForDevEnvironments()
    {
        Assert.Equal(TimeSpan.FromHours(1), Corpus.Single("idle-duration.yaml", "lab").IdleDuration);
        Assert.Equal(TimeSpan.FromMinutes(30), Corpus.Single("idle-duration.yaml", "notebook").IdleDuration);
        Assert.Equal(TimeSpan.FromDays(2), Corpus.Single("idle-duration.yaml", "code").IdleDuration);
    }

    [Fact]
    public void Parse_Templates_RenderEverywhere()
    {
        var spec = Corpus.Single("templates.yaml", "templated");
        var context = new RunContext("wise-owl-1", ["--lr", "0.1 0.2"]);

        Assert.Equal("runs/wise-owl-1", spec.WorkingDir!.Render(context));
        Assert.Equal("wise-owl-1", spec.Env[0].Value!.Render(context));
        Assert.Equal("echo wise-owl-1 --lr '0.1 0.2'", spec.Commands[0].Render(context));
        Assert.Equal("echo \"$ not a template, nor ${ this }\"", spec.Commands[1].Render(context));
        Assert.Equal("out/wise-owl-1", spec.Artifacts[0].Path.Render(context));
    }

    [Fact]
    public void Parse_SecretsAndHelp_AreRead()
    {
        var spec = Corpus.Single("secrets-help.yaml", "with-secrets");

        Assert.Equal(["WANDB_API_KEY", "HF_TOKEN"], spec.Secrets);
        Assert.Equal("Uses secrets added with dstack secrets add", spec.Help);
    }

    [Fact]
    public void Parse_RequirementsAndConda_AreRead()
    {
        Assert.Equal("requirements.txt", Corpus.Single("requirements-conda.yaml", "pip").Requirements);
        Assert.Equal("environment.yml", Corpus.Single("requirements-conda.yaml", "conda").Conda);
    }

    [Fact]
    public void Parse_EmptyList_HasNoWorkflows()
    {
        Assert.Empty(Corpus.ParseValid("empty-list.yaml"));
    }

    [Fact]
    public void Parse_DockerWithoutCommands_IsValid()
    {
        var spec = Corpus.Single("docker-entrypoint.yaml", "docker-entrypoint");

        Assert.Empty(spec.Commands);
        Assert.Equal("ghcr.io/org/app:1.2.3", spec.Image);
        Assert.Equal(["echo preparing"], spec.Setup.Select(s => s.Text));
    }

    [Fact]
    public void Parse_Aliases_ShareTheAnchoredValue()
    {
        var workflows = Corpus.ParseValid("anchors.yaml");

        Assert.Equal(workflows[0].Commands, workflows[1].Commands);
    }

    [Fact]
    public void Parse_Everything_ReadsEveryKey()
    {
        var spec = Corpus.Single("everything.yaml", "everything");

        Assert.Equal("Every key at once", spec.Help);
        Assert.Equal(new PythonVersion(3, 10), spec.Python);
        Assert.Equal("environment.yaml", spec.Conda);
        Assert.Equal([new EnvVar("A", new TemplateString("1"))], spec.Env);
        Assert.Equal("src", spec.WorkingDir!.Text);
        Assert.Equal([8888], spec.Ports!.Numbers);
        Assert.Equal(new Range<int>(8, null), spec.Resources.Cpu);
        Assert.Equal("A100:80GB:2", spec.Resources.Gpu!.ToString());
        Assert.Equal(SpotPolicy.Auto, spec.SpotPolicy);
        Assert.Equal(new RetryPolicySpec([RetryEvent.Interruption], TimeSpan.FromHours(3)).Duration, spec.Retry!.Duration);
        Assert.Equal(4.5m, spec.MaxPrice);
        Assert.Equal(TimeSpan.FromDays(1), spec.MaxDuration);
        Assert.Equal([BackendType.Aws], spec.Backends);
        Assert.Equal(["us-west-2"], spec.Regions);
    }
}
