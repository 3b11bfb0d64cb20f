using Dstack.Core.Configuration;
using Dstack.Core.Runs;

namespace Dstack.Core.Tests.Runs;

public sealed class ResourceRequestFactoryTests
{
    [Fact]
    public void Create_FullSpec_FlattensAndSummarizes()
    {
        var spec = new ResourceSpec
        {
            Cpu = new Range<int>(2, null),
            Memory = new Range<MemorySize>(MemorySize.Parse("16GB"), null),
            Gpu = new GpuSpec(null, ["A100"], new Range<int>(2, 2), new Range<MemorySize>(MemorySize.Parse("80GB"), MemorySize.Parse("80GB"))),
        };

        var request = ResourceRequestFactory.Create(spec);

        Assert.Equal("2.. CPU, 16GB.. RAM, A100:80GB:2", request.Summary);
        Assert.Equal(2, request.CpuMin);
        Assert.Null(request.CpuMax);
        Assert.Equal(16L << 30, request.MemoryMinBytes);
        Assert.Equal(2, request.GpuCountMin);
        Assert.Equal(["A100"], request.GpuNames);
        Assert.Equal(80L << 30, request.GpuMemoryMinBytes);
        Assert.True(request.WantsGpu);
    }

    [Fact]
    public void Create_Null_IsNone()
    {
        Assert.Same(ResourceRequest.None, ResourceRequestFactory.Create(null));
        Assert.Equal(string.Empty, ResourceRequestFactory.Create(ResourceSpec.None).Summary);
    }
}
