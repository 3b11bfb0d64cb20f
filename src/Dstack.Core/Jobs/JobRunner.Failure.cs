using System.Globalization;
using System.Text;
using Dstack.Core.Environments;

namespace Dstack.Core.Jobs;

/// <content>What a failed job says about its failure: the step it failed in and that step's last lines.</content>
public sealed partial class JobRunner
{
    /// <summary>How many of the failed step's last lines the message carries.</summary>
    private const int FailureLines = 10;

    /// <summary>How much of the log's end is read for them; a longer line is cut.</summary>
    private const int FailureTailBytes = 4096;

    /// <summary>
    /// Says which step of <c>job.sh</c> a job that exited with <paramref name="exitCode"/> failed in (creating the
    /// environment, pip, setup, the workflow's commands), with the last lines of that step's output, or returns null when
    /// the job recorded no step (a script of an older dstack). The output was masked by the job, so it holds no secret.
    /// </summary>
    public async Task<string?> DescribeFailureAsync(int exitCode, CancellationToken cancellationToken = default)
    {
        var result = await _shell.RunAsync(
            $"""
            cd {Q} 2>/dev/null || exit 0
            [ -s {JobScriptBuilder.JobStepFile} ] || exit 0
            read -r offset what < {JobScriptBuilder.JobStepFile} || exit 0
            size=$(wc -c < job.log 2>/dev/null || echo 0)
            from=$(( size - {FailureTailBytes} > offset ? size - {FailureTailBytes} : offset ))
            printf '%s\n' "$what"
            tail -c +$((from + 1)) job.log 2>/dev/null || true
            """,
            cancellationToken).ConfigureAwait(false);
        var text = result.Stdout;
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (!result.Succeeded || newline <= 0)
        {
            return null;
        }

        var step = text[..newline].Trim();
        var lines = text[(newline + 1)..]
            .Split('\n')
            .Select(l => l.Split('\r').Last().TrimEnd()) // a progress bar's last state
            .Where(l => l.Length > 0)
            .TakeLast(FailureLines)
            .ToList();
        var message = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"The job failed in {step} (exit code {exitCode})."));
        if (lines.Count > 0)
        {
            message.Append(" Its last lines:");
            foreach (var line in lines)
            {
                message.Append("\n  ").Append(line);
            }
        }

        return message.ToString();
    }
}
