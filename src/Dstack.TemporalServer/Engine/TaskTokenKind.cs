namespace Dstack.TemporalServer.Engine;

/// <summary>What a task token refers to.</summary>
internal enum TaskTokenKind : byte
{
    WorkflowTask = 1,
    ActivityTask = 2,
    QueryTask = 3,
}
