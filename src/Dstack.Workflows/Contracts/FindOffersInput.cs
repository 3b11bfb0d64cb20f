using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>What offers a run may take. <paramref name="Regions"/> limits cloud backends (empty: any configured region).</summary>
public sealed record FindOffersInput(ResourceRequest Resources, IReadOnlyList<string> Backends, decimal? MaxPrice, string SpotPolicy, IReadOnlyList<string>? Regions = null);
