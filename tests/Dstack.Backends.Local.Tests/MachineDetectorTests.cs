using Dstack.Core.Backends;

namespace Dstack.Backends.Local.Tests;

public sealed class MachineDetectorTests
{
    [Fact]
    public void ParseNvidiaSmi_SampleOutput_ReadsNamesAndMemory()
    {
        const string output = "NVIDIA A100-SXM4-80GB, 81920\nNVIDIA A100-SXM4-80GB, 81920\n\nTesla T4, 15360\ngarbage line\n";

        var gpus = MachineDetector.ParseNvidiaSmi(output);

        Assert.Equal(
            [new GpuInfo("NVIDIA A100-SXM4-80GB", 81920L << 20), new GpuInfo("NVIDIA A100-SXM4-80GB", 81920L << 20), new GpuInfo("Tesla T4", 15360L << 20)],
            gpus);
    }

    [Fact]
    public void ParseMemInfo_Sample_ReturnsBytes()
    {
        Assert.Equal(24684092L * 1024, MachineDetector.ParseMemInfo("MemTotal:       24684092 kB\nMemFree:        22441240 kB\n"));
        Assert.Equal(0, MachineDetector.ParseMemInfo("nothing"));
    }

    [Fact]
    public async Task DetectAsync_ThisMachine_HasCpusMemoryDisk()
    {
        var folder = Path.Combine(Path.GetTempPath(), "dstack-detect-" + Guid.NewGuid().ToString("N")[..8]);

        var machine = await new MachineDetector("/nonexistent/nvidia-smi").DetectAsync(folder);
        Directory.Delete(folder);

        Assert.Equal(Environment.ProcessorCount, machine.Cpus);
        Assert.True(machine.MemoryBytes > 0);
        Assert.True(machine.DiskBytes > 0);
        Assert.Empty(machine.Gpus);
    }
}
