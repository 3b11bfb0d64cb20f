namespace Dstack.TemporalServer.HttpApi;

/// <summary>One segment of a path template: a literal, or a variable naming a request field (<c>execution.workflow_id</c>).</summary>
internal readonly record struct RouteSegment(string Text, bool IsVariable);
