namespace Dstack.TemporalServer.Visibility;

// Operator is "is null", "is not null", "is true", "is not true", "is false" or "is not false";
// only the first two are valid, but the others parse so they get the server's error instead of a syntax error.
internal sealed record IsNode(Operand Left, string Operator) : QueryNode;
