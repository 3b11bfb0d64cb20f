namespace Dstack.Core.Configuration;

/// <summary>A dependency on the artifacts of another run.</summary>
/// <param name="Kind">What <paramref name="Value"/> names.</param>
/// <param name="Value">The workflow name, tag or run name.</param>
public sealed record DepSpec(DepKind Kind, string Value);
