namespace Dstack.TemporalServer.Visibility;

// Attribute is the resolved search attribute name (e.g. "WorkflowId" for the alias "ScheduleId").
internal sealed record VisibilityOrder(string Attribute, bool Descending);
