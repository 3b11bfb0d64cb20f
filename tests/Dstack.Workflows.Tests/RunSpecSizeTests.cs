using Dstack.Core.Backends;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Workflows.Contracts;

namespace Dstack.Workflows.Tests;

/// <summary>A run spec stays small in Temporal however big the workflow's script is.</summary>
public sealed class RunSpecSizeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dstack-specsize-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData(20 * 1024)]
    [InlineData(8 * 1024 * 1024)]
    public async Task Offload_BigScript_PayloadsStayUnder8KiB(int commandBytes)
    {
        var yaml = $"workflows:\n  - name: big\n    provider: bash\n    setup: [pip install -e .]\n    env: [A=1]\n    commands:\n      - echo ${{{{ run.name }}}} {new string('x', commandBytes)}\n";
        var workflow = Assert.Single(WorkflowLoader.Parse([new WorkflowSource(".dstack/workflows.yaml", yaml)]));
        var spec = RunSpecFactory.Create(workflow, new RunContext("big-1", []), _folder, new RepoInfo("repo", null, "main", null, false), new string('a', 64),
            new RunOverrides(), "tester", DateTimeOffset.UnixEpoch, _ => null);

        spec = await new RunScriptStore(new LocalStorage(_folder)).OffloadAsync(spec);

        var converter = DstackDataConverter.Instance.PayloadConverter;
        var instance = new Instance("local", "local", new InstanceOffer("local", "local", "local", new MachineResources(1, 1, [], 1), 0m, false, "available"));
        Assert.InRange(converter.ToPayload(new RunWorkflowInput(spec, 1)).CalculateSize(), 1, 8 * 1024);
        Assert.InRange(converter.ToPayload(new JobInput(spec, instance, 1)).CalculateSize(), 1, 8 * 1024);
        Assert.InRange(converter.ToPayload(new RunManifest { Spec = spec }).CalculateSize(), 1, 8 * 1024);
    }
}
