using System.Runtime.InteropServices;

namespace Dstack.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM: the first one cancels the command's token, so that it ends cleanly (<c>dstack run</c>
/// asks, or without a terminal stops the run; <c>dstack server</c> stops its worker), and remembers which signal it
/// was, so that the command exits as a shell reports a process ended by it (130, 143). A second one ends the process
/// at once. System.CommandLine's own handling is off: it makes both signals one cancellation.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private int _received;

    public Interrupts()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => OnSignal(context, 130));
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => OnSignal(context, 143));
    }

    /// <summary>Gets the exit code for the signal received: 130 for SIGINT (also before any), 143 for SIGTERM.</summary>
    public static int ExitCode { get; private set; } = 130;

    /// <summary>Gets the token that the first signal cancels.</summary>
    public CancellationToken Token => _cancellation.Token;

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _cancellation.Dispose();
    }

    private void OnSignal(PosixSignalContext context, int exitCode)
    {
        if (Interlocked.Increment(ref _received) > 1)
        {
            return; // the default action: the process ends
        }

        ExitCode = exitCode;
        context.Cancel = true;
        _cancellation.Cancel();
    }
}
