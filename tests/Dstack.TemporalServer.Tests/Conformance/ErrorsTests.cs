using Temporalio.Client;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Worker;
using Temporalio.Workflows;

namespace Dstack.TemporalServer.Tests.Conformance;

[Collection(ServerCollection.Name)]
public sealed class ErrorsTests(ServerFixture server)
{
    private readonly string _queue = $"tq-{Guid.NewGuid()}";

    [Fact]
    public async Task Describe_UnknownWorkflow_ThrowsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.GetWorkflowHandle($"missing-{Guid.NewGuid()}").DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, ex.Code);
    }

    [Fact]
    public async Task Signal_UnknownWorkflow_ThrowsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.GetWorkflowHandle($"missing-{Guid.NewGuid()}").SignalAsync("Anything", []));
        Assert.Equal(RpcException.StatusCode.NotFound, ex.Code);
    }

    [Fact]
    public async Task Describe_UnknownRunOfKnownWorkflow_ThrowsNotFound()
    {
        var h = await server.Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("x"), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.GetWorkflowHandle(h.Id, runId: Guid.NewGuid().ToString()).DescribeAsync());
        Assert.Equal(RpcException.StatusCode.NotFound, ex.Code);
        await h.TerminateAsync();
    }

    [Fact]
    public async Task StartWorkflow_UnknownNamespace_ThrowsNamespaceNotFound()
    {
        var client = await server.ConnectAsync("nope");
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("x"), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));
        Assert.Equal(RpcException.StatusCode.NotFound, ex.Code);
        Assert.Equal("Namespace nope is not found.", ex.Message);
    }

    [Fact]
    public async Task StartWorkflow_UnregisteredSearchAttribute_ThrowsInvalidArgument()
    {
        var key = SearchAttributeKey.CreateKeyword("NotRegisteredAnywhere");
        var ex = await Assert.ThrowsAsync<RpcException>(() => server.Client.StartWorkflowAsync(
            (EchoWorkflow wf) => wf.RunAsync("x"),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)
            {
                TypedSearchAttributes = new SearchAttributeCollection.Builder().Set(key, "v").ToSearchAttributeCollection(),
            }));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, ex.Code);
        Assert.Contains("NotRegisteredAnywhere", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signal_CompletedWorkflow_ThrowsNotFound()
    {
        using var worker = new TemporalWorker(server.Client, new TemporalWorkerOptions(_queue).AddWorkflow<EchoWorkflow>());
        var h = await worker.ExecuteAsync(async () =>
        {
            var handle = await server.Client.StartWorkflowAsync((EchoWorkflow wf) => wf.RunAsync("x"), new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue));
            await handle.GetResultAsync();
            return handle;
        });
        var ex = await Assert.ThrowsAsync<RpcException>(() => h.SignalAsync("Anything", []));
        Assert.Equal(RpcException.StatusCode.NotFound, ex.Code);
    }

    [Fact]
    public async Task StartWorkflow_InputOver2MiB_Refused()
    {
        var big = new string('x', (5 * 1024 * 1024) / 2);
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => server.Client.StartWorkflowAsync(
            (EchoWorkflow wf) => wf.RunAsync(big),
            new WorkflowOptions($"wf-{Guid.NewGuid()}", _queue)));

        // Real Temporal: InvalidArgument "Blob data size exceeds limit." (the SDK may refuse first).
        var rpc = Assert.IsType<RpcException>(ex);
        Assert.Equal(RpcException.StatusCode.InvalidArgument, rpc.Code);
        Assert.Contains("exceeds limit", rpc.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Query_UnknownWorkflow_ThrowsNotFound()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() =>
            server.Client.GetWorkflowHandle($"missing-{Guid.NewGuid()}").QueryAsync<string>("Q", []));
        Assert.Equal(RpcException.StatusCode.NotFound, ex.Code);
    }

    [Workflow]
    public sealed class EchoWorkflow
    {
        [WorkflowRun]
        public Task<string> RunAsync(string input) => Task.FromResult(input);
    }
}
