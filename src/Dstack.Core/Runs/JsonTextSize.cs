namespace Dstack.Core.Runs;

/// <summary>
/// Upper bounds of the bytes text takes in a JSON document, without serializing it: sizes are checked on every
/// <c>dstack run</c> and <c>validate</c>, and reflection-based serialization costs a short-lived CLI tens of milliseconds.
/// </summary>
public static class JsonTextSize
{
    /// <summary>
    /// Gets the bytes of <paramref name="text"/> as a JSON string, quotes included (4 for null). System.Text.Json's
    /// default encoder, which Temporal's JSON converter uses, writes printable ASCII as is, except the characters it
    /// escapes for HTML safety, and everything else as a six-byte <c>\uXXXX</c> escape (per UTF-16 unit).
    /// </summary>
    public static long Of(string? text)
    {
        if (text is null)
        {
            return 4;
        }

        long size = 2;
        foreach (var c in text)
        {
            size += c is >= ' ' and < '\x7f' and not ('"' or '\\' or '<' or '>' or '&' or '\'' or '+' or '`') ? 1 : 6;
        }

        return size;
    }
}
