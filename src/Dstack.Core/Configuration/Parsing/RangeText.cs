namespace Dstack.Core.Configuration.Parsing;

/// <summary>Splits <c>N</c>, <c>N..</c>, <c>..M</c>, <c>N..M</c> (the text already matched a range pattern).</summary>
internal static class RangeText
{
    public static Range<T> Parse<T>(string text, Func<string, T> parseOne)
        where T : struct, IComparable<T>
    {
        var dots = text.IndexOf("..", StringComparison.Ordinal);
        if (dots < 0)
        {
            var exact = parseOne(text);
            return new Range<T>(exact, exact);
        }

        var min = dots > 0 ? parseOne(text[..dots]) : (T?)null;
        var max = dots + 2 < text.Length ? parseOne(text[(dots + 2)..]) : (T?)null;
        return new Range<T>(min, max);
    }

    /// <summary>Checks min &lt;= max and min &gt;= <paramref name="lowest"/>, reporting a problem if not.</summary>
    public static bool Check<T>(NodeReader reader, Range<T> range, T lowest, Func<T, string> format, string path, YamlDotNet.RepresentationModel.YamlNode node)
        where T : struct, IComparable<T>
    {
        if (range.Min is { } min && range.Max is { } max && min.CompareTo(max) > 0)
        {
            reader.Error(node, path, $"expected a range whose minimum is not above its maximum, found {NodeReader.Describe(node)}");
            return false;
        }

        if ((range.Min is { } low && low.CompareTo(lowest) < 0) || (range.Max is { } high && high.CompareTo(lowest) < 0))
        {
            reader.Error(node, path, $"expected values of at least {format(lowest)}, found {NodeReader.Describe(node)}");
            return false;
        }

        return true;
    }
}
