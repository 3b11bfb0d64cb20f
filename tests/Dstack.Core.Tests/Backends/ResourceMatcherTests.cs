using Dstack.Core.Backends;
using Dstack.Core.Runs;

namespace Dstack.Core.Tests.Backends;

public sealed class ResourceMatcherTests
{
    private static readonly MachineResources NoGpu = new(2, 8L << 30, [], 100L << 30);
    private static readonly MachineResources TwoA100 = new(32, 256L << 30, [new GpuInfo("NVIDIA A100-SXM4-80GB", 80L << 30), new GpuInfo("NVIDIA A100-SXM4-80GB", 80L << 30)], 1L << 40);

    [Fact]
    public void Unmet_EnoughOfEverything_IsEmpty()
    {
        var request = new ResourceRequest { CpuMin = 2, MemoryMinBytes = 4L << 30, GpuCountMin = 2, GpuNames = ["a100"], GpuMemoryMinBytes = 40L << 30 };

        Assert.Empty(ResourceMatcher.Unmet(request, TwoA100));
    }

    [Fact]
    public void Unmet_GpuOnCpuMachine_SaysAskedAndHas()
    {
        var unmet = ResourceMatcher.Unmet(new ResourceRequest { GpuCountMin = 2 }, NoGpu);

        Assert.Equal("asked for 2 GPUs, has 0", Assert.Single(unmet));
    }

    [Fact]
    public void Unmet_SeveralShortfalls_ListsEach()
    {
        var request = new ResourceRequest { CpuMin = 4, MemoryMinBytes = 16L << 30, DiskMinBytes = 1L << 40, GpuCountMin = 1, GpuNames = ["H100"] };

        var unmet = ResourceMatcher.Unmet(request, NoGpu);

        Assert.Equal(
            ["asked for 4 CPUs or more, has 2", "asked for 16GB of memory or more, has 8GB", "asked for 1TB of disk or more, has 100GB free", "asked for 1 GPU (H100), has 0"],
            unmet);
    }

    [Fact]
    public void Unmet_Maximums_CountOnlyWhenAsked()
    {
        var request = new ResourceRequest { CpuMin = 1, CpuMax = 8, GpuCountMin = 1, GpuCountMax = 1 };

        Assert.Equal(2, ResourceMatcher.Unmet(request, TwoA100).Count);
        Assert.Empty(ResourceMatcher.Unmet(request, TwoA100, checkMaximums: false));
    }

    [Theory]
    [InlineData("L4", "NVIDIA L40S", false)]
    [InlineData("L4", "NVIDIA L4", true)]
    [InlineData("A10", "NVIDIA A10G", false)]
    [InlineData("A10G", "A10G", true)]
    [InlineData("T4", "Tesla T4", true)]
    [InlineData("H100", "NVIDIA H100 80GB HBM3", true)]
    [InlineData("H10", "NVIDIA H100 80GB HBM3", false)]
    [InlineData("RTX4090", "NVIDIA GeForce RTX 4090", true)]
    [InlineData("rtx-4090", "NVIDIA GeForce RTX 4090", true)]
    [InlineData("a6000", "NVIDIA RTX A6000", true)]
    [InlineData("MI300X", "AMD Instinct MI300X", true)]
    public void Unmet_GpuName_MatchesWholeWordsOfTheReportedName(string asked, string reported, bool fits)
    {
        var machine = new MachineResources(8, 32L << 30, [new GpuInfo(reported, 24L << 30)], 100L << 30);

        var unmet = ResourceMatcher.Unmet(new ResourceRequest { GpuCountMin = 1, GpuNames = [asked] }, machine);

        Assert.Equal(fits, unmet.Count == 0);
    }
}
