namespace Dstack.TemporalServer.Visibility;

internal interface IVisibilityRecord
{
    // Value of a system or custom search attribute, or null when the record lacks it.
    // string for Keyword/Text, long for Int, double for Double, bool for Bool, DateTimeOffset for Datetime,
    // IReadOnlyList<string> for KeywordList. ExecutionStatus is returned as its name: "Running", "Completed",
    // "Failed", "Canceled", "Terminated", "ContinuedAsNew", "TimedOut".
    object? GetValue(string attributeName);
}
