namespace Dstack.TemporalServer.Visibility;

// Operator is spelled like the server's parser: "=", "!=", "<", "<=", ">", ">=", "in", "not in",
// "starts_with", "not starts_with", "like", "not like".
internal sealed record ComparisonNode(Operand Left, string Operator, Operand Right) : QueryNode;
