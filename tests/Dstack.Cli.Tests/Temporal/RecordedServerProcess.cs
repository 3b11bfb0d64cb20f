using System.Diagnostics;

namespace Dstack.Cli.Tests.Temporal;

/// <summary>
/// A real process of this user whose command line has the word <c>server</c>, which is all <c>LocalServerProcess.IsRunning</c>
/// asks of the process a <c>server.json</c> records: it stands for a <c>dstack server</c> that runs, while the tests serve
/// its address in-process (the test host's own command line is no server's). It ends on dispose.
/// </summary>
internal sealed class RecordedServerProcess : IDisposable
{
    private readonly Process _process;

    public RecordedServerProcess()
    {
        // `read` waits for the line that never comes; closing standard input ends it.
        var info = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "read line", "server" }, RedirectStandardInput = true, UseShellExecute = false };
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start /bin/sh");
    }

    public int Id => _process.Id;

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
