using Dstack.Core.Settings;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Runtime;

namespace Dstack.Workflows.Connection;

/// <summary>Connects a client with dstack's settings and says in one line what to fix when the server refuses it.</summary>
public static class TemporalClientFactory
{
    /// <summary>
    /// Connects to <see cref="TemporalSettings.Address"/> and makes one call that needs the credentials
    /// (<c>DescribeNamespace</c>): connecting alone proves little, since the SDK's first call, <c>GetSystemInfo</c>, is
    /// open to everyone on real Temporal and on the embedded server.
    /// </summary>
    /// <param name="settings">Where and how to connect.</param>
    /// <param name="runtime">The SDK runtime (the CLI's logs only the core's errors); null for the default one.</param>
    /// <param name="checkCredentials">Whether to make that call; false for a caller that makes its own and tells a refusal apart.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <exception cref="TemporalConnectionException">The connection or the credentials were refused.</exception>
    public static async Task<TemporalClient> ConnectAsync(TemporalSettings settings, TemporalRuntime? runtime = null, bool checkCredentials = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = TemporalConnectOptions.Create(settings);
        if (runtime is not null)
        {
            options.Runtime = runtime;
        }

        TemporalClient client;
        try
        {
            client = await TemporalClient.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or RpcException)
        {
            // The SDK reports every connection failure as InvalidOperationException("Connection failed: <the Rust core's error>").
            throw new TemporalConnectionException(TemporalConnectionFailure.Describe(e, settings), e);
        }

        if (!checkCredentials)
        {
            return client;
        }

        try
        {
            await client.WorkflowService.DescribeNamespaceAsync(
                new DescribeNamespaceRequest { Namespace = settings.Namespace }, new RpcOptions { CancellationToken = cancellationToken }).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Code is RpcException.StatusCode.Unauthenticated or RpcException.StatusCode.PermissionDenied)
        {
            throw new TemporalConnectionException(TemporalConnectionFailure.Describe(e, settings), e);
        }
        catch (RpcException)
        {
            // Another answer (a namespace the server lacks) is for the caller's own calls to report, as before this check.
        }

        return client;
    }
}
