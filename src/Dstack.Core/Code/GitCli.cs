using System.ComponentModel;
using System.Diagnostics;

namespace Dstack.Core.Code;

/// <summary>Runs the real <c>git</c> in a folder, arguments passed as a list (never through a shell).</summary>
internal sealed class GitCli(string executable, string directory)
{
    /// <summary>Runs git and returns its exit code and standard output.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };

        // Output is parsed, so it must not depend on the user's locale or pager.
        start.Environment["LC_ALL"] = "C";
        start.Environment["GIT_PAGER"] = "cat";
        start.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CodeSnapshotException($"Could not start '{executable}'.");
        }
        catch (Win32Exception e)
        {
            throw new CodeSnapshotException($"Could not run '{executable}': {e.Message}. Is Git installed?", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
        }
    }

    /// <summary>The standard output of a git run, or a <see cref="CodeSnapshotException"/> when it failed.</summary>
    public static string Checked((int ExitCode, string Output, string Error) result, string command, string directory) =>
        result.ExitCode == 0
            ? result.Output
            : throw new CodeSnapshotException($"'git {command}' failed in {directory}: {result.Error.Trim()}");
}
