using Microsoft.Extensions.Time.Testing;

namespace Dstack.Cli.Tests;

public sealed class TimingTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Mark_PrintsTheMillisecondsSinceTheStart_InTheBenchmarksFormat()
    {
        var clock = new FakeTimeProvider(Start + TimeSpan.FromMilliseconds(42.4));
        using var output = new StringWriter();
        var timing = new Timing(output, clock, Start);

        timing.Mark("main");
        clock.Advance(TimeSpan.FromMilliseconds(1192.2));
        timing.Mark("workflow started");

        // benchmarks/README.md reads these lines: the milliseconds right-aligned in six columns, rounded, then the step.
        Assert.Equal($"[timing]     42 ms main{Environment.NewLine}[timing]   1235 ms workflow started{Environment.NewLine}", output.ToString());
    }

    [Fact]
    public void FromEnvironment_WithoutDstackTiming_PrintsNothing()
    {
        using var output = new StringWriter();

        Timing.FromEnvironment(_ => null, output).Mark("main");
        Timing.FromEnvironment(name => name == "DSTACK_TIMING" ? "0" : null, output).Mark("main");

        Assert.Empty(output.ToString());
    }

    [Fact]
    public void FromEnvironment_WithDstackTiming_PrintsEachStep()
    {
        using var output = new StringWriter();

        Timing.FromEnvironment(name => name == "DSTACK_TIMING" ? "1" : null, output).Mark("main");

        Assert.Matches(@"^\[timing\] {0,5}\d+ ms main\r?\n$", output.ToString());
    }
}
