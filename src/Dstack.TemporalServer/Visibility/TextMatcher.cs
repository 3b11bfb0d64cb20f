namespace Dstack.TemporalServer.Visibility;

// Text search as the SQL stores do it: the query is split on spaces and each piece is a full-text phrase
// (SQLite FTS5 '"a" OR "b"', PostgreSQL 'a | b'), so a value matches when ANY piece occurs as whole words,
// case-insensitively. Words are runs of letters and digits, like FTS5's unicode61 tokenizer.
// Walks the stored text in place because Matches runs once per record.
internal sealed class TextMatcher
{
    private readonly string[][] _phrases;

    private TextMatcher(string[][] phrases) => _phrases = phrases;

    public static TextMatcher? TryCreate(string query)
    {
        var pieces = query.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (pieces.Length == 0)
        {
            return null;
        }

        return new TextMatcher([.. pieces.Select(SplitWords)]);
    }

    public bool Matches(string text)
    {
        foreach (var phrase in _phrases)
        {
            if (phrase.Length == 0)
            {
                continue;
            }

            var position = 0;
            while (NextWord(text, ref position, out var start, out _))
            {
                if (PhraseAt(text, start, phrase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string[] SplitWords(string piece)
    {
        var words = new List<string>();
        var position = 0;
        while (NextWord(piece, ref position, out var start, out var end))
        {
            words.Add(piece[start..end]);
        }

        return [.. words];
    }

    private static bool PhraseAt(string text, int start, string[] phrase)
    {
        var position = start;
        foreach (var word in phrase)
        {
            if (!NextWord(text, ref position, out var wordStart, out var wordEnd) ||
                !text.AsSpan(wordStart, wordEnd - wordStart).Equals(word, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static bool NextWord(string text, ref int position, out int start, out int end)
    {
        while (position < text.Length && !char.IsLetterOrDigit(text[position]))
        {
            position++;
        }

        start = position;
        while (position < text.Length && char.IsLetterOrDigit(text[position]))
        {
            position++;
        }

        end = position;
        return end > start;
    }
}
