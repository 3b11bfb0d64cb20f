using System.Globalization;
using System.Text.RegularExpressions;
using Dstack.Core.Configuration.Parsing;

namespace Dstack.Core.Configuration;

/// <summary>Durations as users write them in dstack's files: <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>1d</c>, <c>1w</c>, or a number of seconds.</summary>
public static partial class DurationText
{
    /// <summary>Reads a positive duration; false when <paramref name="text"/> is not one or is too long for a <see cref="TimeSpan"/>.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TryCreate(() => TimeSpan.FromSeconds(seconds), seconds > 0, out duration);
        }

        if (!UnitRegex().IsMatch(text))
        {
            return false;
        }

        var amount = long.Parse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture);
        return TryCreate(
            () => text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                _ => TimeSpan.FromDays(checked(7 * amount)),
            },
            positive: true,
            out duration);
    }

    private static bool TryCreate(Func<TimeSpan> create, bool positive, out TimeSpan duration)
    {
        duration = default;
        try
        {
            duration = create();
            return positive;
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    [GeneratedRegex(Patterns.DurationText)]
    private static partial Regex UnitRegex();
}
