using System.Globalization;

namespace Dstack.TemporalServer.Visibility;

// ExecutionDuration accepts what the server's ParseExecutionDurationStr does: nanoseconds, Go durations
// ("1h30m", "1.5s", plus "d" for 24h days) and "hh:mm:ss". TimeSpan parsing covers none of the Go forms.
internal static class GoDurationParser
{
    public static bool TryParseNanoseconds(string text, out long nanoseconds)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out nanoseconds))
        {
            return true;
        }

        return TryParseGoDuration(text, out nanoseconds) || TryParseHhMmSs(text, out nanoseconds);
    }

    /// <summary>Parses Go's time.ParseDuration forms plus "d" for 24-hour days, as the server's timestamp.ParseDuration does.</summary>
    public static bool TryParseGoDuration(string text, out long nanoseconds)
    {
        nanoseconds = 0;
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        decimal total = 0;
        while (!s.IsEmpty)
        {
            var numberLength = 0;
            while (numberLength < s.Length && (char.IsAsciiDigit(s[numberLength]) || s[numberLength] == '.'))
            {
                numberLength++;
            }

            var unitLength = 0;
            while (numberLength + unitLength < s.Length && !char.IsAsciiDigit(s[numberLength + unitLength]) &&
                s[numberLength + unitLength] != '.')
            {
                unitLength++;
            }

            if (numberLength == 0 || unitLength == 0 ||
                !decimal.TryParse(s[..numberLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            decimal? unit = s.Slice(numberLength, unitLength) switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                "d" => 86_400_000_000_000m,
                _ => null,
            };
            if (unit is null)
            {
                return false;
            }

            total += value * unit.Value;
            s = s[(numberLength + unitLength)..];
        }

        if (total > long.MaxValue)
        {
            return false;
        }

        nanoseconds = (long)decimal.Truncate(negative ? -total : total);
        return true;
    }

    private static bool TryParseHhMmSs(string text, out long nanoseconds)
    {
        nanoseconds = 0;
        var parts = text.Split(':');
        if (parts.Length != 3 ||
            !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hours) ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) ||
            !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            minutes > 59 || seconds > 59 || hours > (long.MaxValue / 3_600_000_000_000) - 1)
        {
            return false;
        }

        nanoseconds = (hours * 3600 + minutes * 60 + seconds) * 1_000_000_000;
        return true;
    }
}
