namespace Dstack.TemporalServer.Visibility;

internal sealed record RangeNode(Operand Left, bool Negated, Operand From, Operand To) : QueryNode;
