using System.Text.Json.Serialization;
using Dstack.Core.Configuration;
using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

/// <summary>What offers a run may take. <paramref name="Regions"/> limits cloud backends (empty: any configured region).</summary>
public sealed record FindOffersInput(ResourceRequest Resources, IReadOnlyList<string> Backends, decimal? MaxPrice, [property: JsonConverter(typeof(JsonStringEnumConverter<SpotPolicy>))] SpotPolicy SpotPolicy, IReadOnlyList<string>? Regions = null);
