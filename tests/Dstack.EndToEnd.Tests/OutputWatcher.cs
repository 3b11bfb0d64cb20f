using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Dstack.EndToEnd.Tests;

/// <summary>Reads a running process's standard output as it comes, so that a test can wait for a line.</summary>
public sealed class OutputWatcher
{
    private readonly StringBuilder _text = new();
    private readonly Task _reading;

    public OutputWatcher(Process process)
    {
        _reading = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (_text)
                {
                    _text.Append(buffer, 0, read);
                }
            }
        });
    }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>
    /// Waits until the process has closed its output and all of it was read; a process that has exited may still have
    /// output in the pipe that <see cref="Text"/> does not hold yet.
    /// </summary>
    public async Task<string> WaitForEndAsync(TimeSpan timeout)
    {
        await _reading.WaitAsync(timeout);
        return Text;
    }

    /// <summary>Waits until the output matches <paramref name="pattern"/> (or the process closed its output).</summary>
    public async Task<Match> WaitForAsync(Regex pattern, TimeSpan timeout)
    {
        Match match = Match.Empty;
        await Eventually.TrueAsync(
            () =>
            {
                match = pattern.Match(Text);
                Assert.False(!match.Success && _reading.IsCompleted, $"the process ended its output without '{pattern}': {Text}");
                return match.Success;
            },
            timeout,
            $"'{pattern}' in: {Text}");
        return match;
    }
}
