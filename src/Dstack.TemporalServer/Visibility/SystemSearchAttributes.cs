using System.Collections.Frozen;
using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Visibility;

// Mirrors the server's sadefs "system" and "predefined" maps; a namespace's attribute map is this
// plus its custom attributes.
internal static class SystemSearchAttributes
{
    public const string WorkflowId = "WorkflowId";
    public const string ExecutionStatus = "ExecutionStatus";
    public const string ExecutionDuration = "ExecutionDuration";
    public const string TemporalNamespaceDivision = "TemporalNamespaceDivision";

    public static IReadOnlyDictionary<string, IndexedValueType> All { get; } =
        new Dictionary<string, IndexedValueType>(StringComparer.Ordinal)
        {
            [WorkflowId] = IndexedValueType.Keyword,
            ["RunId"] = IndexedValueType.Keyword,
            ["WorkflowType"] = IndexedValueType.Keyword,
            ["TaskQueue"] = IndexedValueType.Keyword,
            [ExecutionStatus] = IndexedValueType.Keyword,
            ["StartTime"] = IndexedValueType.Datetime,
            ["CloseTime"] = IndexedValueType.Datetime,
            ["ExecutionTime"] = IndexedValueType.Datetime,
            ["HistoryLength"] = IndexedValueType.Int,
            [ExecutionDuration] = IndexedValueType.Int,
            ["StateTransitionCount"] = IndexedValueType.Int,
            ["HistorySizeBytes"] = IndexedValueType.Int,
            ["ParentWorkflowId"] = IndexedValueType.Keyword,
            ["ParentRunId"] = IndexedValueType.Keyword,
            ["RootWorkflowId"] = IndexedValueType.Keyword,
            ["RootRunId"] = IndexedValueType.Keyword,
            ["TemporalChangeVersion"] = IndexedValueType.KeywordList,
            ["BinaryChecksums"] = IndexedValueType.KeywordList,
            ["BuildIds"] = IndexedValueType.KeywordList,
            ["TemporalSchedulePaused"] = IndexedValueType.Bool,
            [TemporalNamespaceDivision] = IndexedValueType.Keyword,
            ["TemporalScheduledById"] = IndexedValueType.Keyword,
            ["TemporalScheduledStartTime"] = IndexedValueType.Datetime,
        }.ToFrozenDictionary(StringComparer.Ordinal);

    // The server's predefinedWhiteList: predefined attributes that workflows, schedulers and the worker may set
    // in SearchAttributes; setting any other name of All is refused with "... attribute can't be set in SearchAttributes".
    public static IReadOnlySet<string> UserSettable { get; } = new[]
    {
        "TemporalChangeVersion", "BinaryChecksums", "BuildIds", "TemporalScheduledStartTime", "TemporalScheduledById",
        "TemporalSchedulePaused", TemporalNamespaceDivision,
    }.ToFrozenSet(StringComparer.Ordinal);
}
