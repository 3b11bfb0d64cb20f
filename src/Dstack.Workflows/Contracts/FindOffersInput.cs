using Dstack.Core.Runs;

namespace Dstack.Workflows.Contracts;

public sealed record FindOffersInput(ResourceRequest Resources, IReadOnlyList<string> Backends, decimal? MaxPrice, string SpotPolicy);
