using System.CommandLine;
using Dstack.Cli.Runs;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Spectre.Console;

namespace Dstack.Cli.Commands;

/// <summary><c>dstack rm</c>: deletes finished runs from storage: manifest, logs and artifacts.</summary>
internal sealed class RmCommand : DstackCommand
{
    private static readonly Argument<string?> RunArgument = new("RUN")
    {
        Description = "The run to remove.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<bool> AllOption = new("--all", "-a") { Description = "Remove every finished run." };

    private static readonly Option<bool> YesOption = new("--yes", "-y") { Description = "Do not ask for confirmation." };

    private readonly CliContext _context;

    public RmCommand(IAnsiConsole console, CliContext context)
        : base("rm", "Remove finished runs with their logs and artifacts. Unfinished runs must be stopped first.", console)
    {
        _context = context;
        Arguments.Add(RunArgument);
        Options.Add(AllOption);
        Options.Add(YesOption);
        Validators.Add(result =>
        {
            if ((result.GetValue(RunArgument) is null) == !result.GetValue(AllOption))
            {
                result.AddError("name a RUN or pass -a (--all), not both.");
            }
        });
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var yes = parseResult.GetValue(YesOption);
        var storage = await _context.OpenStorageAsync(cancellationToken);
        if (parseResult.GetValue(RunArgument) is { } name)
        {
            return await RemoveOneAsync(storage, name, yes, cancellationToken);
        }

        var (temporal, unavailable) = await _context.TryConnectTemporalAsync(cancellationToken);
        var runs = await new RunCatalog(storage, temporal).ListAsync(cancellationToken);
        var removable = runs.Where(r => r.Manifest is not null && r.CanBeRemoved).ToList();
        var kept = runs.Count(r => !r.CanBeRemoved);
        if (kept > 0)
        {
            var why = unavailable is null ? "stop them first" : $"stop them first; {unavailable}";
            Console.MarkupLineInterpolated($"Keeping {kept} unfinished {(kept == 1 ? "run" : "runs")} ({why}).");
        }

        if (removable.Count == 0)
        {
            Console.MarkupLine("No finished runs to remove.");
            return ExitCodes.Ok;
        }

        var noun = removable.Count == 1 ? "1 run" : $"{removable.Count} runs";
        if (!await Confirmation.ConfirmAsync(Console, $"Remove {noun} ({string.Join(", ", removable.Select(r => r.Name))}) with their logs and artifacts?", yes, cancellationToken))
        {
            return ExitCodes.Ok;
        }

        var failures = new List<string>();
        foreach (var run in removable)
        {
            // A lost run whose job or machine cannot be reached now is kept: its manifest is the only record of them.
            try
            {
                await ReleaseIfLostAsync(run, cancellationToken);
            }
            catch (CommandException e)
            {
                failures.Add(e.Message);
                continue;
            }

            await storage.DeletePrefixAsync(StorageLayout.RunPrefix(run.Name), cancellationToken);
        }

        if (failures.Count > 0)
        {
            throw new CommandException($"{string.Join("; ", failures)}. Those runs were kept; run `dstack rm` again once their machines answer.");
        }

        Console.MarkupLineInterpolated($"[green]OK[/]: removed {noun}");
        return ExitCodes.Ok;
    }

    /// <summary>Kills the job a lost run left and releases its machine: once its manifest is gone, nothing would.</summary>
    private async Task ReleaseIfLostAsync(RunView run, CancellationToken cancellationToken)
    {
        if (run is { Lost: true, Manifest: { } manifest } && await new LostRunCleanup(_context).ReleaseAsync(manifest, force: true, cancellationToken) is { } done)
        {
            Console.MarkupLineInterpolated($"{run.Name}: {done}.");
        }
    }

    private async Task<int> RemoveOneAsync(IStorage storage, string name, bool yes, CancellationToken cancellationToken)
    {
        var manifest = await new ManifestStore(storage).ReadAsync(name, cancellationToken);
        if (manifest is null && (await storage.ListAsync(StorageLayout.RunPrefix(name), cancellationToken)).Count == 0)
        {
            throw new CommandException($"run {name} not found in {storage.Location}.");
        }

        RunView? unfinished = null;
        if (manifest is null || !manifest.Status.IsFinished())
        {
            // Storage says unfinished: only Temporal can tell a live run from one that will never finish.
            var status = manifest?.Status.ToDisplayName() ?? "unfinished";
            var (temporal, unavailable) = await _context.TryConnectTemporalAsync(cancellationToken);
            if (temporal is null)
            {
                throw new CommandException($"run {name} is {status}. Stop the run first (`dstack stop {name}`); Temporal could not be asked: {unavailable}");
            }

            var run = await new RunCatalog(storage, temporal).GetAsync(name, cancellationToken);
            if (run is { Live: true } || (run is not null && !run.CanBeRemoved))
            {
                throw new CommandException($"run {name} is {run.Status.ToDisplayName()}. Stop the run first (`dstack stop {name}`).");
            }

            unfinished = run;
        }

        if (!await Confirmation.ConfirmAsync(Console, $"Remove the run '{name}' with its logs and artifacts?", yes, cancellationToken))
        {
            return ExitCodes.Ok;
        }

        if (unfinished is not null)
        {
            await ReleaseIfLostAsync(unfinished, cancellationToken);
        }

        await storage.DeletePrefixAsync(StorageLayout.RunPrefix(name), cancellationToken);
        Console.MarkupLine("[green]OK[/]");
        return ExitCodes.Ok;
    }
}
