using Dstack.Core.Backends;
using Dstack.Core.Runs;
using Spectre.Console;

namespace Dstack.Cli.Runs;

/// <summary>
/// Cloud machines tagged by dstack whose run is not live: over, unknown, or lost (its workflow was terminated, so nothing
/// will release its machine). A release that never happened. <c>dstack ps</c> lists them; <c>dstack ps
/// --terminate-leaked</c> terminates them.
/// </summary>
internal sealed class LeakedMachines(CliContext context, IAnsiConsole console)
{
    public async Task ReportAsync(IReadOnlyList<RunView> runs, bool terminate, CancellationToken cancellationToken)
    {
        IReadOnlyList<TaggedMachine> machines;
        try
        {
            machines = await context.ListCloudMachinesAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The runs were listed; a cloud that cannot be asked (credentials, network) is worth a note, not a failure.
            console.MarkupLineInterpolated($"[yellow]note:[/] could not look for leaked cloud machines: {e.Message}");
            return;
        }

        // Without Temporal to ask, an unfinished run counts as live: better a leak unreported than a live machine terminated.
        var live = runs.Where(r => !r.Status.IsFinished() && !r.Lost).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var leaked = machines.Where(m => !live.Contains(m.Run)).ToList();
        if (leaked.Count == 0)
        {
            return;
        }

        var table = new Table().AddColumns("LEAKED MACHINE", "BACKEND", "REGION", "TYPE", "RUN", "STATE");
        foreach (var m in leaked)
        {
            table.AddRow(m.InstanceId.EscapeMarkup(), m.Backend, m.Region.EscapeMarkup(), m.InstanceType.EscapeMarkup(), m.Run.EscapeMarkup(), m.State.EscapeMarkup());
        }

        console.Write(table);
        if (!terminate)
        {
            console.MarkupLine("[yellow]These machines belong to no live run and may still be billed.[/] Terminate them with [bold]dstack ps --terminate-leaked[/].");
            return;
        }

        var failures = new List<string>();
        foreach (var m in leaked)
        {
            // One refusal (permissions, a throttled API) must not leave the other machines running.
            try
            {
                await context.TerminateCloudMachineAsync(m, cancellationToken);
                console.MarkupLineInterpolated($"Terminated {m.InstanceId} ({m.Region}).");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add($"{m.InstanceId} ({m.Region}): {e.Message}");
            }
        }

        if (failures.Count > 0)
        {
            throw new CommandException($"could not terminate {string.Join("; ", failures)}. Terminate them in the cloud's console, or run `dstack ps --terminate-leaked` again.");
        }
    }
}
