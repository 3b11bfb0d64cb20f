using System.Collections;

namespace Dstack.TemporalServer.Visibility;

/// <summary>Orders search attribute values of one type; missing values sort first, as NULLs do in SQL.</summary>
internal sealed class VisibilityValueComparer : IComparer<object?>
{
    public static VisibilityValueComparer Instance { get; } = new();

    public int Compare(object? x, object? y) => (x, y) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        (string a, string b) => string.CompareOrdinal(a, b),
        (IList a, IList b) => a.Count.CompareTo(b.Count),
        (IComparable a, _) => a.CompareTo(y),
        _ => 0,
    };
}
