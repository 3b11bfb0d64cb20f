using System.Globalization;

namespace Dstack.Core.Artifacts;

/// <summary>Reads the modification times that <c>find -printf '%T@'</c> prints on an instance: seconds since the Unix epoch, with a fraction.</summary>
public static class UnixTimes
{
    /// <summary>Parses <paramref name="seconds"/> (e.g. <c>1714979289.1234567890</c>), or returns null when it is not such a number.</summary>
    public static DateTimeOffset? Parse(string seconds)
    {
        if (!decimal.TryParse(seconds, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        var ticks = decimal.Truncate(value * TimeSpan.TicksPerSecond);
        var max = (decimal)(DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).Ticks;
        var min = (decimal)(DateTimeOffset.MinValue - DateTimeOffset.UnixEpoch).Ticks;
        return ticks > max || ticks < min ? null : DateTimeOffset.UnixEpoch.AddTicks((long)ticks);
    }
}
