using System.Globalization;

namespace Dstack.TemporalServer.Visibility;

// Go's time.Parse(time.RFC3339Nano, ...): a 'T' separator, an optional fraction of up to 9 digits and a
// mandatory "Z" or "+hh:mm" offset. .NET parses at most 7 fraction digits, so the rest (sub-tick) is dropped first.
internal static class Rfc3339
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
    ];

    public static bool TryParseUtcTicks(string text, out long utcTicks)
    {
        const int FractionStart = 20;
        var normalized = text;
        if (text.Length > FractionStart && text[FractionStart - 1] == '.')
        {
            var end = FractionStart;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - FractionStart > 7)
            {
                normalized = string.Concat(text.AsSpan(0, FractionStart + 7), text.AsSpan(end));
            }
        }

        if (DateTimeOffset.TryParseExact(
                normalized,
                Formats,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal,
                out var parsed))
        {
            utcTicks = parsed.UtcTicks;
            return true;
        }

        utcTicks = 0;
        return false;
    }
}
