using System.Text;
using Dstack.Core.Backends;
using Dstack.Core.Instances;
using Dstack.Core.Jobs;
using Dstack.Core.Storage;
using Dstack.Workflows;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Dstack.Cli.DevEnvironments;

/// <summary>
/// Finds what a run serves and forwards it here: asks the run workflow for its machine (query <c>instance</c>), reads
/// <see cref="JobEndpoints.FileName"/> from the job folder through the backend's shell (so the token never passes
/// through Temporal or the log store), and forwards every port through the backend (<see cref="IPortForwarding"/>).
/// </summary>
internal sealed class PortAttacher(WorkflowHandle handle, string runName, InstanceAccess access)
{
    private Instance? _instance;
    private int _attempt = 1;

    /// <summary>Tries once; returns null while the run has no machine or its job has not recorded its ports yet.</summary>
    /// <exception cref="CommandException">The run's backend is not configured here or cannot forward ports.</exception>
    public async Task<PortAttachment?> TryAttachAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_instance is null)
            {
                // The attempt names the job folder on the machine (each attempt has its own).
                var options = new WorkflowQueryOptions { Rpc = new RpcOptions { CancellationToken = cancellationToken } };
                var run = handle.Client.GetWorkflowHandle<RunWorkflow>(handle.Id);
                _attempt = (await run.QueryAsync(wf => wf.Status, options)).Attempt;
                _instance = await run.QueryAsync(wf => wf.CurrentInstance, options);
            }
        }
        catch (WorkflowQueryFailedException)
        {
            return null;
        }
        catch (RpcException)
        {
            // The workflow has not had a task yet, or the server is busy: ask again on the next try.
            return null;
        }

        if (_instance is not { } instance)
        {
            return null;
        }

        var backend = access.Backend(instance);
        if (backend is not IPortForwarding forwarding)
        {
            throw new CommandException($"the '{backend.Name}' backend cannot forward ports to this machine yet.");
        }

        JobEndpoints endpoints;
        try
        {
            await using var shell = await backend.ConnectAsync(instance, cancellationToken);
            var text = await ReadSmallFileAsync(shell, $"{new JobRunner(shell, runName, StorageLayout.MainJob, _attempt).JobDirectory}/{JobEndpoints.FileName}", cancellationToken);
            if (text.Length == 0)
            {
                return null;
            }

            endpoints = JobEndpoints.Parse(text);
        }
        catch (InstanceUnreachableException)
        {
            return null;
        }

        var forwards = new List<ForwardedPort>();
        try
        {
            foreach (var port in endpoints.AllPorts)
            {
                forwards.Add(await forwarding.ForwardAsync(instance, port, cancellationToken));
            }

            return new PortAttachment(endpoints, forwards);
        }
        catch (InstanceUnreachableException)
        {
            // The machine went out of reach between reading and forwarding: try again on the next poll.
            forwards.ForEach(f => f.Dispose());
            return null;
        }
        catch
        {
            forwards.ForEach(f => f.Dispose());
            throw;
        }
    }

    private static async Task<string> ReadSmallFileAsync(IInstanceShell shell, string path, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await shell.ReadAsync(path, total, buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }
}
