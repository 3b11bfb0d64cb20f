using Dstack.Core.Configuration;
using Dstack.Core.Runs;

namespace Dstack.Core.Tests.Runs;

public sealed class ResourceOverridesTests
{
    [Fact]
    public void Apply_EveryOption_ReadAsTheYamlForms()
    {
        var workflow = new ResourceSpec { Cpu = new Range<int>(2, null), Interruptible = true };

        var spec = ResourceOverrides.Apply(workflow, new RunOverrides { Gpu = "A100:80GB:2", Memory = "64GB..", Disk = "200GB.." });

        Assert.Equal("A100:80GB:2", spec.Gpu!.ToString());
        Assert.Equal(MemorySize.Parse("64GB"), spec.Memory!.Min);
        Assert.Equal(MemorySize.Parse("200GB"), spec.Disk!.Min);
        Assert.Equal(new Range<int>(2, null), spec.Cpu);
        Assert.True(spec.Interruptible);
    }

    [Fact]
    public void Apply_UnknownGpuName_ErrorNamesTheOptionAndTheKnownNames()
    {
        var e = Assert.Throws<ConfigurationException>(() => ResourceOverrides.Apply(ResourceSpec.None, new RunOverrides { Gpu = "H10:2", Disk = "lots" }));

        Assert.Equal(["--gpu", "--disk"], e.Errors.Select(error => error.Path));
        var gpu = e.Errors[0];
        Assert.Equal("command line", gpu.File);
        Assert.Equal(0, gpu.Line);
        Assert.StartsWith("unknown GPU name 'H10' (did you mean 'H100'?); the known GPU names are ", gpu.Message, StringComparison.Ordinal);
        Assert.All(KnownGpus.Names, name => Assert.Contains(name, gpu.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("A100")]
    [InlineData("a100")]
    [InlineData("rtx-4090")]
    [InlineData("v5e")]
    [InlineData("MI300X")]
    public void IsKnown_CommonNamesInAnyCase(string name) => Assert.True(KnownGpus.IsKnown(name));

    [Theory]
    [InlineData("banana")]
    [InlineData("A1000")]
    [InlineData("24GB")]
    public void IsKnown_OtherNames_False(string name) => Assert.False(KnownGpus.IsKnown(name));
}
