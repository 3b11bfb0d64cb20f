namespace Dstack.Core.Configuration;

/// <summary>A Python version, <c>3.MINOR</c>.</summary>
/// <param name="Major">Always 3.</param>
/// <param name="Minor">The minor version, 3.7 to 3.14 being accepted.</param>
public sealed record PythonVersion(int Major, int Minor)
{
    /// <summary>The lowest minor version accepted.</summary>
    public const int LowestMinor = 7;

    /// <summary>The highest minor version accepted.</summary>
    public const int HighestMinor = 14;

    /// <summary>Formats the version as <c>3.10</c>.</summary>
    public override string ToString() => $"{Major}.{Minor}";
}
