using System.Globalization;
using System.Text.RegularExpressions;

namespace Dstack.Core.Configuration;

/// <summary>An amount of memory or disk, written <c>512MB</c>, <c>64GB</c> or <c>1TB</c>.</summary>
/// <remarks>
/// Units are binary, as dstack has always read them: 1MB = 1024^2 bytes, 1GB = 1024^3 bytes, 1TB = 1024^4 bytes.
/// Units are case-insensitive; a fraction is allowed (<c>1.5TB</c>).
/// </remarks>
/// <param name="Bytes">The size in bytes.</param>
public readonly partial record struct MemorySize(long Bytes) : IComparable<MemorySize>
{
    /// <summary>The text pattern of a size (no anchors), shared by the parser and the JSON Schema.</summary>
    public const string Pattern = @"[0-9]+(?:\.[0-9]+)?[MmGgTt][Bb]";

    private const long Mb = 1024L * 1024;
    private const long Gb = 1024L * Mb;
    private const long Tb = 1024L * Gb;

    /// <summary>Parses <c>64GB</c>-style text.</summary>
    /// <exception cref="FormatException">The text is not a size.</exception>
    public static MemorySize Parse(string text) =>
        TryParse(text, out var size) ? size : throw new FormatException($"'{text}' is not a size like 64GB.");

    /// <summary>Parses <c>64GB</c>-style text.</summary>
    public static bool TryParse(string? text, out MemorySize size)
    {
        size = default;
        if (text is null || !SizeRegex().IsMatch(text))
        {
            return false;
        }

        var number = decimal.Parse(text[..^2], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        var unit = char.ToUpperInvariant(text[^2]) switch
        {
            'M' => Mb,
            'G' => Gb,
            _ => Tb,
        };
        if (number * unit > long.MaxValue)
        {
            return false;
        }

        size = new MemorySize((long)decimal.Round(number * unit));
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(MemorySize other) => Bytes.CompareTo(other.Bytes);

    /// <summary>Formats the size with the largest unit that keeps it short (<c>80GB</c>, <c>1.5TB</c>, <c>512MB</c>).</summary>
    public override string ToString()
    {
        foreach (var (unit, name) in new[] { (Tb, "TB"), (Gb, "GB"), (Mb, "MB") })
        {
            if (Bytes >= unit && Bytes * 100 % unit == 0)
            {
                return ((decimal)Bytes / unit).ToString("0.##", CultureInfo.InvariantCulture) + name;
            }
        }

        return Bytes % Mb == 0
            ? (Bytes / Mb).ToString(CultureInfo.InvariantCulture) + "MB"
            : ((decimal)Bytes / Mb).ToString("0.###", CultureInfo.InvariantCulture) + "MB";
    }

    /// <summary>Compares two sizes.</summary>
    public static bool operator <(MemorySize left, MemorySize right) => left.CompareTo(right) < 0;

    /// <summary>Compares two sizes.</summary>
    public static bool operator >(MemorySize left, MemorySize right) => left.CompareTo(right) > 0;

    /// <summary>Compares two sizes.</summary>
    public static bool operator <=(MemorySize left, MemorySize right) => left.CompareTo(right) <= 0;

    /// <summary>Compares two sizes.</summary>
    public static bool operator >=(MemorySize left, MemorySize right) => left.CompareTo(right) >= 0;

    [GeneratedRegex("^" + Pattern + "$")]
    private static partial Regex SizeRegex();
}
