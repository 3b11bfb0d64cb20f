using System.Diagnostics;
using Dstack.Cli.Runs;
using Temporalio.Client;

namespace Dstack.Cli.DevEnvironments;

/// <summary>
/// While the CLI follows a run that serves ports: tries to forward them every <see cref="RetryInterval"/> until it
/// succeeds, then prints where to open them and lets the held log lines out, rewritten. Disposing stops forwarding.
/// </summary>
internal sealed class PortSession : IAsyncDisposable
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(250);

    private readonly PortAttacher _attacher;
    private readonly InstanceAccess _access;
    private readonly LogWriter _output;
    private readonly TextWriter _console;
    private long _nextTry;

    private PortSession(PortAttacher attacher, InstanceAccess access, LogWriter output, TextWriter console)
    {
        _attacher = attacher;
        _access = access;
        _output = output;
        _console = console;
    }

    /// <summary>Gets the forwarded ports, or null until they are forwarded.</summary>
    public PortAttachment? Attachment { get; private set; }

    /// <summary>Starts a session for <paramref name="runName"/>; holds back <paramref name="output"/>'s local addresses until attached.</summary>
    public static PortSession Start(CliContext context, WorkflowHandle handle, string runName, LogWriter output, TextWriter console)
    {
        var access = context.OpenInstanceAccess();
        output.HoldLocalUrls = true;
        return new PortSession(new PortAttacher(handle, runName, access), access, output, console);
    }

    /// <summary>Tries to attach, unless attached already or tried less than <see cref="RetryInterval"/> ago.</summary>
    /// <returns>True when attached.</returns>
    public async Task<bool> PollAsync(CancellationToken cancellationToken)
    {
        if (Attachment is not null)
        {
            return true;
        }

        if (Stopwatch.GetTimestamp() < _nextTry)
        {
            return false;
        }

        _nextTry = Stopwatch.GetTimestamp() + (long)(RetryInterval.TotalSeconds * Stopwatch.Frequency);
        Attachment = await _attacher.TryAttachAsync(cancellationToken);
        if (Attachment is null)
        {
            return false;
        }

        foreach (var line in Attachment.Describe())
        {
            await _console.WriteLineAsync(line);
        }

        _output.LocalPorts = Attachment.LocalPorts;
        _output.HoldLocalUrls = false;
        await _output.ReleaseAsync();
        return true;
    }

    /// <summary>Stops forwarding and closes the connections to the machine.</summary>
    public async ValueTask DisposeAsync()
    {
        Attachment?.Dispose();
        await _access.DisposeAsync();
    }
}
