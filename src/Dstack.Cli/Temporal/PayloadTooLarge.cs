using Dstack.Core.Runs;
using Temporalio.Exceptions;

namespace Dstack.Cli.Temporal;

/// <summary>
/// Temporal's refusal of a request that carries too much (a payload over the server's blob size limit, a message over
/// the gRPC limit). It is the user's input that is too big, not a bug, so it gets a one-line message and exit 2, never a
/// stack trace.
/// </summary>
internal static class PayloadTooLarge
{
    /// <summary>Whether <paramref name="exception"/> says that a request was too large.</summary>
    public static bool Matches(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Code is RpcException.StatusCode.InvalidArgument or RpcException.StatusCode.ResourceExhausted
            && (exception.Message.Contains("size exceeds limit", StringComparison.OrdinalIgnoreCase)
                || exception.Message.Contains("larger than max", StringComparison.OrdinalIgnoreCase)
                || exception.Message.Contains("too large", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The error to report for <paramref name="exception"/>.</summary>
    public static CommandException ToCommandException(RpcException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new CommandException(
            $"the Temporal server refused the request as too large ({exception.Message.TrimEnd('.')}): it takes at most "
            + $"{RunSpecLimits.PayloadBytes / 1024 / 1024} MiB per payload (its blob size limit); `dstack validate` names a workflow that is too big to run.",
            ExitCodes.ConfigOrUsage);
    }
}
