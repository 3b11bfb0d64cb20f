using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Visibility;

// TEMPORARY STUB
internal static class SystemSearchAttributes
{
    public static IReadOnlyDictionary<string, IndexedValueType> All { get; } = new Dictionary<string, IndexedValueType>
    {
        ["WorkflowId"] = IndexedValueType.Keyword,
        ["TemporalChangeVersion"] = IndexedValueType.KeywordList,
    };
}
