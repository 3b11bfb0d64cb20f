namespace Dstack.TemporalServer.Visibility;

internal enum QueryTokenKind
{
    End,
    Word,
    QuotedName,
    String,
    Number,
    Operator,
    LeftParen,
    RightParen,
    Comma,
    Minus,
    Semicolon,
}
