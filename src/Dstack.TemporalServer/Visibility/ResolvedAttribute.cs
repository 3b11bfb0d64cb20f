using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Visibility;

// Alias is the name as written in the query (used in error messages, like the server);
// FieldName is the attribute the record is asked for.
internal sealed record ResolvedAttribute(string Alias, string FieldName, IndexedValueType Type);
