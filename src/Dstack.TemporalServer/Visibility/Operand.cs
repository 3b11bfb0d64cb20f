namespace Dstack.TemporalServer.Visibility;

// Text holds the column name, the decoded string, the number as written, or "true"/"false";
// Items holds the elements of a tuple (the right side of IN).
internal sealed record Operand(OperandKind Kind, string Text, IReadOnlyList<Operand> Items)
{
    public static Operand Of(OperandKind kind, string text) => new(kind, text, []);
}
