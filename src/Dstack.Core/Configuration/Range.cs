namespace Dstack.Core.Configuration;

/// <summary>An inclusive range written <c>N</c>, <c>N..</c>, <c>..M</c> or <c>N..M</c>; a missing bound is unlimited.</summary>
/// <typeparam name="T">The value type (a count or a <see cref="MemorySize"/>).</typeparam>
/// <param name="Min">The lower bound, or null for none.</param>
/// <param name="Max">The upper bound, or null for none.</param>
public sealed record Range<T>(T? Min, T? Max)
    where T : struct, IComparable<T>
{
    /// <summary>Whether <paramref name="value"/> lies within the range.</summary>
    public bool Contains(T value) =>
        (Min is not { } min || value.CompareTo(min) >= 0) && (Max is not { } max || value.CompareTo(max) <= 0);

    /// <summary>Formats the range as written in YAML (<c>4</c>, <c>2..</c>, <c>..8</c>, <c>2..8</c>).</summary>
    public override string ToString() =>
        Min is { } min && Max is { } max && min.CompareTo(max) == 0 ? $"{min}" : $"{Min}..{Max}";
}
