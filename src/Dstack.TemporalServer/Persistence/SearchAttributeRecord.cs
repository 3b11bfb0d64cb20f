using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Persistence;

/// <summary>A custom search attribute of a namespace.</summary>
internal sealed record SearchAttributeRecord(string Namespace, string Name, IndexedValueType Type);
