using System.Collections.Frozen;
using System.Reflection;
using Google.Protobuf.Reflection;
using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Visibility;

// The server accepts both spellings Go's WorkflowExecutionStatusFromString knows ("Running" and
// "WORKFLOW_EXECUTION_STATUS_RUNNING"), case-sensitively, and stores the status as its enum number,
// so comparisons like "<" order statuses by that number.
internal static class ExecutionStatusNames
{
    private static readonly FrozenDictionary<string, long> NumberByName = BuildNumberByName();

    public static bool TryGetNumber(string name, out long number) => NumberByName.TryGetValue(name, out number);

    public static bool IsDefined(long number) =>
        number is >= int.MinValue and <= int.MaxValue && Enum.IsDefined((WorkflowExecutionStatus)(int)number);

    public static string NameOf(long number) => ((WorkflowExecutionStatus)(int)number).ToString();

    private static FrozenDictionary<string, long> BuildNumberByName()
    {
        var map = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var field in typeof(WorkflowExecutionStatus).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var number = (long)(int)field.GetValue(null)!;
            map[field.Name] = number;
            if (field.GetCustomAttribute<OriginalNameAttribute>() is { } original)
            {
                map[original.Name] = number;
            }
        }

        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
