using System.Text;
using Temporalio.Api.Common.V1;

namespace Dstack.TemporalServer.Engine;

/// <summary>Task priorities (priority key, fairness key and weight) checked and combined as real Temporal's common/priorities does.</summary>
internal static class Priorities
{
    /// <summary>In bytes of UTF-8, as Go's len counts them.</summary>
    private const int FairnessKeyMaxLength = 64;

    /// <summary>Real Temporal's message for an invalid priority, or null when it is valid (or absent).</summary>
    public static string? Check(Priority? priority) =>
        priority is null ? null
        : priority.PriorityKey < 0 ? "priority key can't be negative"
        : Encoding.UTF8.GetByteCount(priority.FairnessKey) > FairnessKeyMaxLength ? "fairness key length exceeds limit"
        : priority.FairnessWeight < 0 ? "must be greater than zero"
        : null;

    /// <summary>The activity's own priority over the workflow's: each field the activity leaves unset comes from the workflow.</summary>
    public static Priority? Merge(Priority? workflow, Priority? activity) =>
        workflow is null ? activity
        : activity is null ? workflow
        : new Priority
        {
            PriorityKey = activity.PriorityKey != 0 ? activity.PriorityKey : workflow.PriorityKey,
            FairnessKey = activity.FairnessKey.Length > 0 ? activity.FairnessKey : workflow.FairnessKey,
            FairnessWeight = activity.FairnessWeight != 0 ? activity.FairnessWeight : workflow.FairnessWeight,
        };
}
