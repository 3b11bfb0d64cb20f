using System.CommandLine;
using Dstack.Cli.DevEnvironments;
using Dstack.Cli.Runs;
using Dstack.Cli.Temporal;
using Dstack.Core.Runs;
using Dstack.Core.Storage;
using Dstack.Workflows.Contracts;
using Spectre.Console;
using Temporalio.Api.Enums.V1;
using Temporalio.Exceptions;

namespace Dstack.Cli.Commands;

/// <summary>
/// <c>dstack attach RUN</c>: forwards what a running run serves (its dev environment, its <c>ports</c>) to this machine
/// again, prints where to open it, and follows its new output until the run ends or Ctrl+C (which leaves it running).
/// </summary>
internal sealed class AttachCommand : DstackCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private static readonly Argument<string> RunArgument = new("RUN") { Description = "The run to attach to." };

    private readonly CliContext _context;

    public AttachCommand(IAnsiConsole console, CliContext context)
        : base("attach", "Forward a running run's dev environment and ports to this machine again, and follow its output.", console)
    {
        _context = context;
        Arguments.Add(RunArgument);
    }

    protected override async Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken)
    {
        var run = parseResult.GetValue(RunArgument)!; // a required argument
        var storage = await _context.OpenStorageAsync(cancellationToken);
        var manifest = await new ManifestStore(storage).ReadAsync(run, cancellationToken)
            ?? throw new CommandException($"run {run} not found in {storage.Location}.");
        if (manifest.Status.IsFinished())
        {
            throw new CommandException($"run {run} is {manifest.Status.ToDisplayName()}; only a running run can be attached to.");
        }

        if (manifest.Spec.Ports.Count == 0 && !Core.Environments.JobScriptBuilder.IsDevEnvironment(manifest.Spec.Provider))
        {
            throw new CommandException($"run {run} serves nothing to attach to: its workflow is neither a dev environment (code, lab, notebook) nor has ports.", ExitCodes.ConfigOrUsage);
        }

        var client = await _context.ConnectTemporalAsync(cancellationToken);
        var handle = client.GetWorkflowHandle(run);
        try
        {
            var description = await handle.DescribeAsync();
            if (description.Status != WorkflowExecutionStatus.Running)
            {
                throw new CommandException($"run {run} is no longer running in Temporal ({description.Status}).");
            }
        }
        catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
        {
            throw new CommandException($"run {run} is not known to the Temporal server at {LocalServerAddress.Resolve(_context.LoadSettings())}.");
        }

        var logs = new LogStore(storage);
        var output = new LogWriter(Console.Profile.Out.Writer);

        // Only what the run writes from now on: the rest is in `dstack logs`.
        var offset = await logs.EndOffsetAsync(run, StorageLayout.MainJob, cancellationToken);

        var result = handle.GetResultAsync<RunResult>();
        await using var ports = PortSession.Start(_context, handle, run, output, Console.Profile.Out.Writer);
        Console.MarkupLineInterpolated($"Attaching to [bold]{run}[/]; Ctrl+C detaches and leaves it running, `dstack stop {run}` stops it.");
        while (!cancellationToken.IsCancellationRequested)
        {
            await ports.PollAsync(cancellationToken);
            var (data, next) = await logs.ReadAsync(run, StorageLayout.MainJob, offset, CancellationToken.None);
            if (data.Length > 0)
            {
                await output.WriteAsync(data, flush: false);
                offset = next;
                continue;
            }

            if (result.IsCompleted)
            {
                await output.WriteAsync([], flush: true);
                var status = await new ManifestStore(storage).ReadAsync(run, CancellationToken.None);
                Console.MarkupLineInterpolated($"{run} {status?.Status.ToDisplayName() ?? "ended"}");
                return ExitCodes.Ok;
            }

            // Ctrl+C ends the delay early; the loop condition then detaches.
            await Task.WhenAny(result, Task.Delay(PollInterval, cancellationToken));
        }

        await output.WriteAsync([], flush: true);
        Console.MarkupLineInterpolated($"Detached from [bold]{run}[/]; it keeps running.");
        return ExitCodes.Ok;
    }
}
