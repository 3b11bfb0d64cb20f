namespace Dstack.TemporalServer.Visibility;

// Text is the decoded value (quotes and escapes removed); End is the exclusive offset into the query,
// used to report the same "at position N" as the server's parser.
internal readonly record struct QueryToken(QueryTokenKind Kind, string Text, int End)
{
    public bool IsKeyword(string keyword) =>
        Kind == QueryTokenKind.Word && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);
}
