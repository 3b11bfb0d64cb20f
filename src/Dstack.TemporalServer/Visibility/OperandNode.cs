namespace Dstack.TemporalServer.Visibility;

// A lone name or literal where a condition belongs, e.g. "WorkflowId AND ...": it parses, but is rejected
// when compiling.
internal sealed record OperandNode(Operand Value) : QueryNode;
