namespace Dstack.Core.Backends;

/// <summary>What a refresh of a cloud backend's on-demand prices wrote.</summary>
/// <param name="Backend">The backend (<c>aws</c>).</param>
/// <param name="Path">The refreshed catalog, which now overrides the shipped one.</param>
/// <param name="Source">Where the prices came from, and when they were published.</param>
/// <param name="Regions">The regions refreshed.</param>
/// <param name="Known">How many (type, region) prices the price list gave.</param>
/// <param name="Unknown">How many (type, region) pairs it did not price (now unknown).</param>
public sealed record PriceRefresh(string Backend, string Path, string Source, IReadOnlyList<string> Regions, int Known, int Unknown);
