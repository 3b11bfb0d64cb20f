namespace Dstack.TemporalServer.Engine;

/// <summary>Who polls: recorded in started events and in DescribeWorkflowExecution.</summary>
internal sealed record PollerInfo(string Identity);
