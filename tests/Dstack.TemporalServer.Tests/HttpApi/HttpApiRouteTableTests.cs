using Dstack.TemporalServer.Grpc;
using Dstack.TemporalServer.HttpApi;
using Google.Protobuf;
using Grpc.Core;
using Temporalio.Api.WorkflowService.V1;
using OperatorReflection = Temporalio.Api.OperatorService.V1.ServiceReflection;
using WorkflowReflection = Temporalio.Api.WorkflowService.V1.ServiceReflection;

namespace Dstack.TemporalServer.Tests.HttpApi;

/// <summary>The route table read from the package's <c>google.api.http</c> rules, and how it fills requests.</summary>
public sealed class HttpApiRouteTableTests
{
    private static readonly HttpApiRouteTable Table = new(
    [
        (WorkflowReflection.Descriptor.Services[0], new NoEndpoint()),
        (OperatorReflection.Descriptor.Services[0], new NoEndpoint()),
    ]);

    [Theory]
    [InlineData("GET", "api/v1/namespaces/default/workflows/wf/history", "GetWorkflowExecutionHistory")]
    [InlineData("GET", "namespaces/default/workflows/wf/history", "GetWorkflowExecutionHistory")]
    [InlineData("GET", "api/v1/namespaces/default/workflows/wf/history-reverse", "GetWorkflowExecutionHistoryReverse")]
    [InlineData("GET", "api/v1/namespaces/default/workflows/wf", "DescribeWorkflowExecution")]
    [InlineData("POST", "api/v1/namespaces/default/workflows/wf", "StartWorkflowExecution")]
    [InlineData("GET", "api/v1/namespaces/default/workflow-count", "CountWorkflowExecutions")]
    [InlineData("GET", "api/v1/namespaces/default/task-queues/q", "DescribeTaskQueue")]
    [InlineData("GET", "api/v1/cluster-info", "GetClusterInfo")]
    [InlineData("GET", "cluster", "GetClusterInfo")]
    [InlineData("GET", "api/v1/namespaces/default/search-attributes", "ListSearchAttributes")]
    [InlineData("GET", "cluster/namespaces/default/search-attributes", "ListSearchAttributes")]
    [InlineData("POST", "api/v1/namespaces/default/workflows/wf/query/q", "QueryWorkflow")]
    [InlineData("POST", "api/v1/namespaces/default/workflows/wf/signal/s", "SignalWorkflowExecution")]
    [InlineData("POST", "api/v1/namespaces/default/workflows/wf/signal-with-start/s", "SignalWithStartWorkflowExecution")]
    public void Find_RuleOrAlternatePath_FindsTheMethod(string verb, string path, string method)
    {
        var route = Table.Find(verb, path.Split('/'), out _);

        Assert.Equal(method, route?.Method.Name);
    }

    [Fact]
    public void Routes_EveryRuleWithItsAlternates_AllPathsStartWithApiV1OrTheRulePath()
    {
        var methods = WorkflowReflection.Descriptor.Services[0].Methods.Concat(OperatorReflection.Descriptor.Services[0].Methods)
            .Count(m => m.GetOptions()?.GetExtension(Temporalio.Api.Dependencies.Google.Api.AnnotationsExtensions.Http) is not null);

        var apiV1 = Table.Routes.Where(r => r.Segments[0].Text == "api").Select(r => r.Method.Name).Distinct().Count();

        Assert.Equal(methods, apiV1);
        Assert.Equal(methods, Table.Routes.Where(r => r.Segments[0].Text != "api").Select(r => r.Method.Name).Distinct().Count());
    }

    [Fact]
    public void Find_EveryBindingWithValuesForItsVariables_FindsThatBinding()
    {
        foreach (var route in Table.Routes)
        {
            var path = route.Segments.Select(s => s.IsVariable ? "some value" : s.Text).ToArray();

            Assert.Same(route, Table.Find(route.Verb, path, out _));
        }
    }

    [Fact]
    public void Find_PathOfAnotherVerbOnly_ReportsThePathExists()
    {
        Assert.Null(Table.Find("DELETE", "api/v1/namespaces/default/workflows/wf".Split('/'), out var pathExists));
        Assert.True(pathExists);
        Assert.Null(Table.Find("GET", "api/v1/nothing/here".Split('/'), out pathExists));
        Assert.False(pathExists);
    }

    [Fact]
    public void Assign_DottedJsonOrProtoNames_SetsNestedFieldsWithTheirTypes()
    {
        var request = new GetWorkflowExecutionHistoryRequest();
        var descriptor = GetWorkflowExecutionHistoryRequest.Descriptor;
        var token = new byte[] { 0xfb, 0xff, 0x01 };

        RequestFields.Assign(request, RequestFields.Resolve(descriptor, "execution.workflow_id")!, ["a/b c"]);
        RequestFields.Assign(request, RequestFields.Resolve(descriptor, "execution.runId")!, ["run"]);
        RequestFields.Assign(request, RequestFields.Resolve(descriptor, "waitNewEvent")!, ["T"]);
        RequestFields.Assign(request, RequestFields.Resolve(descriptor, "maximum_page_size")!, ["-7"]);
        RequestFields.Assign(request, RequestFields.Resolve(descriptor, "nextPageToken")!, [Convert.ToBase64String(token).Replace('+', '-').Replace('/', '_')]);
        RequestFields.Assign(request, RequestFields.Resolve(descriptor, "historyEventFilterType")!, ["HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT"]);

        Assert.Equal("a/b c", request.Execution.WorkflowId);
        Assert.Equal("run", request.Execution.RunId);
        Assert.True(request.WaitNewEvent);
        Assert.Equal(-7, request.MaximumPageSize);
        Assert.Equal(token, request.NextPageToken.ToByteArray());
        Assert.Equal(Temporalio.Api.Enums.V1.HistoryEventFilterType.CloseEvent, request.HistoryEventFilterType);
        Assert.Null(RequestFields.Resolve(descriptor, "noPayloadShorthand"));
    }

    [Fact]
    public void Assign_RepeatedInt64AndEnumNumbers_AddsEachValue()
    {
        var request = new DescribeTaskQueueRequest();
        var list = new ListWorkflowExecutionsRequest();

        RequestFields.Assign(request, RequestFields.Resolve(DescribeTaskQueueRequest.Descriptor, "taskQueueType")!, ["2"]);
        RequestFields.Assign(request, RequestFields.Resolve(DescribeTaskQueueRequest.Descriptor, "task_queue_types")!, ["1", "TASK_QUEUE_TYPE_ACTIVITY"]);
        RequestFields.Assign(list, RequestFields.Resolve(ListWorkflowExecutionsRequest.Descriptor, "pageSize")!, ["20"]);

        Assert.Equal(Temporalio.Api.Enums.V1.TaskQueueType.Activity, request.TaskQueueType);
        var types = (System.Collections.IList)DescribeTaskQueueRequest.Descriptor.FindFieldByName("task_queue_types").Accessor.GetValue(request);
        Assert.Equal([Temporalio.Api.Enums.V1.TaskQueueType.Workflow, Temporalio.Api.Enums.V1.TaskQueueType.Activity], types.Cast<Temporalio.Api.Enums.V1.TaskQueueType>());
        Assert.Equal(20, list.PageSize);
        Assert.Throws<FormatException>(() => RequestFields.Assign(list, RequestFields.Resolve(ListWorkflowExecutionsRequest.Descriptor, "pageSize")!, ["1", "2"]));
        Assert.Throws<FormatException>(() => RequestFields.Assign(request, RequestFields.Resolve(DescribeTaskQueueRequest.Descriptor, "taskQueueType")!, ["TASK_QUEUE_TYPE_NOPE"]));
    }

    private sealed class NoEndpoint : IDescriptorEndpoint
    {
        public Task<IMessage> HandleAsync(string method, IMessage request, ServerCallContext context) => throw new NotSupportedException();
    }
}
