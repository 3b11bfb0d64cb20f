using System.Diagnostics;
using System.Globalization;

namespace Dstack.Cli;

/// <summary>
/// With <c>DSTACK_TIMING=1</c>, prints to stderr how long after the process started each step of a short command
/// finished: how the first-line figure of <c>benchmarks/RunBenchmark</c> splits up (benchmarks/README.md reads these
/// <c>[timing]</c> lines, so their format stays as it is).
/// </summary>
internal sealed class Timing
{
    private readonly TextWriter? _output;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _start;

    /// <summary>Creates a timing that writes each step to <paramref name="output"/>.</summary>
    /// <param name="output">Where the lines go; null prints nothing.</param>
    /// <param name="time">The clock read at each step.</param>
    /// <param name="start">When the process started, from which each step's time is counted.</param>
    public Timing(TextWriter? output, TimeProvider time, DateTimeOffset start)
    {
        // Steps are marked from several threads at once (the snapshot and the serialization warm-up run beside the command).
        _output = output is null ? null : TextWriter.Synchronized(output);
        _time = time;
        _start = start;
    }

    /// <summary>Gets a timing that prints nothing: the default of every command line without <c>DSTACK_TIMING=1</c>.</summary>
    public static Timing Off { get; } = new(null, TimeProvider.System, DateTimeOffset.UnixEpoch);

    /// <summary>
    /// Gets the process's timing: to <paramref name="error"/>, counted from the process's start, when
    /// <c>DSTACK_TIMING</c> is <c>1</c>; otherwise <see cref="Off"/>.
    /// </summary>
    /// <param name="getVariable">Reads environment variables.</param>
    /// <param name="error">The process's standard error.</param>
    public static Timing FromEnvironment(Func<string, string?> getVariable, TextWriter error)
    {
        if (getVariable("DSTACK_TIMING") != "1")
        {
            return Off;
        }

        using var process = Process.GetCurrentProcess();
        return new Timing(error, TimeProvider.System, new DateTimeOffset(process.StartTime));
    }

    /// <summary>Prints that <paramref name="step"/> finished now, when this timing prints at all.</summary>
    /// <param name="step">What finished, as the line ends.</param>
    public void Mark(string step)
    {
        if (_output is not null)
        {
            var elapsed = _time.GetUtcNow() - _start;
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[timing] {elapsed.TotalMilliseconds,6:0} ms {step}"));
        }
    }
}
