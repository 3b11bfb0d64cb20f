using System.CommandLine;
using Dstack.Cli.Temporal;
using Dstack.Core;
using Spectre.Console;
using Temporalio.Exceptions;

namespace Dstack.Cli.Commands;

/// <summary>A <c>dstack</c> verb: runs <see cref="ExecuteAsync"/> and maps dstack's errors to messages and exit codes.</summary>
internal abstract class DstackCommand : Command
{
    protected DstackCommand(string name, string description, IAnsiConsole console)
        : base(name, description)
    {
        Console = console;
        SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await ExecuteAsync(parseResult, cancellationToken);
            }
            catch (DstackException e)
            {
                return ErrorReporter.Report(console, e);
            }
            catch (RpcException e) when (PayloadTooLarge.Matches(e))
            {
                return ErrorReporter.Report(console, PayloadTooLarge.ToCommandException(e));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A file or folder that cannot be read or written (a read-only disk, no permission, /proc, a file where a
                // folder should be) is the user's to fix: one line that names the path, not a stack trace. Commands that
                // know what they were writing (init, artifacts download) say more before this.
                console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return ExitCodes.RunFailure;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C or SIGTERM (see Interrupts): the command stopped where it was, as the shell reports a signal.
                return Interrupts.ExitCode;
            }
        });
    }

    protected IAnsiConsole Console { get; }

    protected abstract Task<int> ExecuteAsync(ParseResult parseResult, CancellationToken cancellationToken);
}
