using Dstack.TemporalServer.Visibility;
using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Tests.Visibility;

public sealed class VisibilityQueryTests
{
    private static readonly IReadOnlyDictionary<string, IndexedValueType> AttributeTypes =
        new Dictionary<string, IndexedValueType>(SystemSearchAttributes.All)
        {
            ["CustomKeyword"] = IndexedValueType.Keyword,
            ["CustomText"] = IndexedValueType.Text,
            ["CustomInt"] = IndexedValueType.Int,
            ["CustomDouble"] = IndexedValueType.Double,
            ["CustomBool"] = IndexedValueType.Bool,
            ["CustomDatetime"] = IndexedValueType.Datetime,
            ["CustomKeywordList"] = IndexedValueType.KeywordList,
            ["Custom Name"] = IndexedValueType.Keyword,
            ["EmptyList"] = IndexedValueType.KeywordList,
        };

    // CloseTime and ParentWorkflowId are deliberately absent (null).
    private static readonly TestVisibilityRecord Record = new(new Dictionary<string, object?>
    {
        ["WorkflowId"] = "wf-1",
        ["RunId"] = "run-1",
        ["WorkflowType"] = "OrderWorkflow",
        ["TaskQueue"] = "orders",
        ["ExecutionStatus"] = "Running",
        ["StartTime"] = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
        ["HistoryLength"] = 10L,
        ["ExecutionDuration"] = 90_000_000_000L,
        ["CustomKeyword"] = "alpha",
        ["CustomText"] = "The quick brown fox-jumps over",
        ["CustomInt"] = 42L,
        ["CustomDouble"] = 1.5,
        ["CustomBool"] = true,
        ["CustomDatetime"] = new DateTimeOffset(2024, 6, 1, 12, 0, 0, 500, TimeSpan.FromHours(2)),
        ["CustomKeywordList"] = new[] { "red", "green" },
        ["Custom Name"] = "it's",
        ["EmptyList"] = Array.Empty<string>(),
    });

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Matches_EmptyQuery_MatchesEverything(string? query)
    {
        var parsed = VisibilityQuery.Parse(query, AttributeTypes);

        Assert.True(parsed.Matches(Record));
        Assert.True(parsed.Matches(new TestVisibilityRecord(new Dictionary<string, object?>())));
        Assert.False(parsed.GroupByExecutionStatus);
        Assert.Empty(parsed.OrderBy);
    }

    [Theory]
    [InlineData("WorkflowId = 'wf-1'", true)]
    [InlineData("WorkflowId = 'wf-2'", false)]
    [InlineData("WorkflowId = 'WF-1'", false)]
    [InlineData("WorkflowId != 'wf-2'", true)]
    [InlineData("WorkflowId <> 'wf-1'", false)]
    [InlineData("WorkflowId < 'wf-2'", true)]
    [InlineData("WorkflowId <= 'wf-1'", true)]
    [InlineData("WorkflowId > 'wf-0'", true)]
    [InlineData("WorkflowId >= 'wf-2'", false)]
    [InlineData("WorkflowId > 'WF-1'", true)]
    [InlineData("WorkflowId IN ('a', 'wf-1')", true)]
    [InlineData("WorkflowId IN ('a', 'b')", false)]
    [InlineData("WorkflowId NOT IN ('a', 'b')", true)]
    [InlineData("WorkflowId NOT IN ('wf-1')", false)]
    [InlineData("WorkflowId BETWEEN 'wf-0' AND 'wf-5'", true)]
    [InlineData("WorkflowId NOT BETWEEN 'wf-0' AND 'wf-5'", false)]
    [InlineData("WorkflowId STARTS_WITH 'wf-'", true)]
    [InlineData("WorkflowId STARTS_WITH 'WF'", false)]
    [InlineData("WorkflowId NOT STARTS_WITH 'x'", true)]
    [InlineData("WorkflowId starts_with ''", true)]
    [InlineData("WorkflowType = \"OrderWorkflow\"", true)]
    public void Matches_KeywordOperators_FollowsOrdinalComparison(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("HistoryLength = 10", true)]
    [InlineData("HistoryLength != 10", false)]
    [InlineData("HistoryLength < 11", true)]
    [InlineData("HistoryLength <= 9", false)]
    [InlineData("HistoryLength > -1", true)]
    [InlineData("HistoryLength >= 10", true)]
    [InlineData("HistoryLength < 10.5", true)]
    [InlineData("HistoryLength IN (1, 10)", true)]
    [InlineData("HistoryLength NOT IN (1, 10)", false)]
    [InlineData("HistoryLength BETWEEN 5 AND 10", true)]
    [InlineData("HistoryLength NOT BETWEEN 5 AND 10", false)]
    [InlineData("CustomDouble = 1.5", true)]
    [InlineData("CustomDouble > 1", true)]
    [InlineData("CustomDouble < 1.25", false)]
    [InlineData("CustomDouble BETWEEN 1 AND 2e0", true)]
    [InlineData("CustomDouble IN (1.5, 2.5)", true)]
    [InlineData("CustomInt >= 42 AND CustomInt <= 42", true)]
    public void Matches_NumericOperators_ComparesNumerically(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("CustomBool = true", true)]
    [InlineData("CustomBool = TRUE", true)]
    [InlineData("CustomBool = false", false)]
    [InlineData("CustomBool != false", true)]
    [InlineData("CustomBool = 'true'", true)]
    [InlineData("CustomBool IN (false)", false)]
    [InlineData("TemporalSchedulePaused = false", false)]
    public void Matches_BoolOperators_ComparesBooleans(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("StartTime = '2024-01-02T03:04:05Z'", true)]
    [InlineData("StartTime = '2024-01-02T05:04:05+02:00'", true)]
    [InlineData("StartTime = '2024-01-01T22:04:05-05:00'", true)]
    [InlineData("StartTime = '2024-01-02T03:04:05.000000000Z'", true)]
    [InlineData("StartTime < '2024-01-02T03:04:05.000000001Z'", false)]
    [InlineData("StartTime < '2024-01-02T03:04:05.0000001Z'", true)]
    [InlineData("StartTime > '2024-01-02T03:04:04.999Z'", true)]
    [InlineData("StartTime = 1704164645000000000", true)]
    [InlineData("StartTime > 1704164644999999999", true)]
    [InlineData("StartTime BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-03T00:00:00Z'", true)]
    [InlineData("StartTime NOT BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-03T00:00:00Z'", false)]
    [InlineData("StartTime IN ('2023-01-01T00:00:00Z', 1704164645000000000)", true)]
    [InlineData("CustomDatetime = '2024-06-01T10:00:00.5Z'", true)]
    [InlineData("CustomDatetime >= '2024-06-01T12:00:00.5+02:00'", true)]
    [InlineData("CustomDatetime > '2024-06-01T12:00:00+02:00'", true)]
    public void Matches_DatetimeOperators_AcceptsRfc3339AndNanoseconds(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("CustomKeywordList = 'red'", true)]
    [InlineData("CustomKeywordList = 'blue'", false)]
    [InlineData("CustomKeywordList != 'blue'", true)]
    [InlineData("CustomKeywordList != 'green'", false)]
    [InlineData("CustomKeywordList IN ('blue', 'green')", true)]
    [InlineData("CustomKeywordList IN ('blue', 'yellow')", false)]
    [InlineData("CustomKeywordList NOT IN ('blue', 'yellow')", true)]
    [InlineData("CustomKeywordList NOT IN ('blue', 'red')", false)]
    [InlineData("CustomKeywordList = 'red' AND CustomKeywordList = 'green'", true)]
    [InlineData("EmptyList != 'red'", true)]
    [InlineData("EmptyList IN ('red')", false)]
    public void Matches_KeywordListOperators_UseContainsSemantics(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("CustomText = 'quick'", true)]
    [InlineData("CustomText = 'QUICK'", true)]
    [InlineData("CustomText = 'qui'", false)]
    [InlineData("CustomText = 'slow fox'", true)]
    [InlineData("CustomText = 'slow dog'", false)]
    [InlineData("CustomText = 'fox-jumps'", true)]
    [InlineData("CustomText = 'jumps-fox'", false)]
    [InlineData("CustomText = 'jumps'", true)]
    [InlineData("CustomText != 'dog'", true)]
    [InlineData("CustomText != 'brown'", false)]
    public void Matches_TextOperators_MatchesAnyWholeWordToken(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("ExecutionStatus = 'Running'", true)]
    [InlineData("ExecutionStatus = 'Completed'", false)]
    [InlineData("ExecutionStatus = 1", true)]
    [InlineData("ExecutionStatus = 2", false)]
    [InlineData("ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_RUNNING'", true)]
    [InlineData("ExecutionStatus != 'Running'", false)]
    [InlineData("ExecutionStatus IN ('Completed', 'Running')", true)]
    [InlineData("ExecutionStatus NOT IN ('Completed', 'Failed')", true)]
    [InlineData("ExecutionStatus < 'Completed'", true)]
    [InlineData("ExecutionStatus BETWEEN 2 AND 7", false)]
    public void Matches_ExecutionStatus_AcceptsNamesAndNumbers(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("ExecutionDuration = 90000000000", true)]
    [InlineData("ExecutionDuration = '90s'", true)]
    [InlineData("ExecutionDuration = '1m30s'", true)]
    [InlineData("ExecutionDuration = '1.5m'", true)]
    [InlineData("ExecutionDuration = '00:01:30'", true)]
    [InlineData("ExecutionDuration > '1d'", false)]
    [InlineData("ExecutionDuration < '2m'", true)]
    public void Matches_ExecutionDuration_AcceptsDurationStrings(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("WorkflowId = 'x' OR WorkflowId = 'wf-1' AND HistoryLength = 10", true)]
    [InlineData("WorkflowId = 'wf-1' OR WorkflowId = 'x' AND HistoryLength = 99", true)]
    [InlineData("(WorkflowId = 'wf-1' OR WorkflowId = 'x') AND HistoryLength = 99", false)]
    [InlineData("WorkflowId = 'x' AND HistoryLength = 10 OR TaskQueue = 'orders'", true)]
    [InlineData("NOT WorkflowId = 'x'", true)]
    [InlineData("NOT WorkflowId = 'wf-1' AND HistoryLength = 10", false)]
    [InlineData("NOT (WorkflowId = 'wf-1' AND HistoryLength = 99)", true)]
    [InlineData("NOT NOT WorkflowId = 'wf-1'", true)]
    [InlineData("((WorkflowId = 'wf-1'))", true)]
    [InlineData("WorkflowId = 'x' or WorkflowId = 'wf-1'", true)]
    [InlineData("WorkflowId = 'wf-1' and not (HistoryLength > 100 or TaskQueue = 'x')", true)]
    public void Matches_LogicalOperators_FollowSqlPrecedence(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("CloseTime IS NULL", true)]
    [InlineData("CloseTime IS NOT NULL", false)]
    [InlineData("StartTime is not null", true)]
    [InlineData("CloseTime > '2020-01-01T00:00:00Z'", false)]
    [InlineData("CloseTime < '2020-01-01T00:00:00Z'", false)]
    [InlineData("NOT CloseTime > '2020-01-01T00:00:00Z'", false)]
    [InlineData("ParentWorkflowId != 'x'", false)]
    [InlineData("ParentWorkflowId NOT IN ('x')", false)]
    [InlineData("NOT (ParentWorkflowId = 'x' AND WorkflowId = 'wf-1')", false)]
    [InlineData("NOT (ParentWorkflowId = 'x' AND WorkflowId = 'other')", true)]
    [InlineData("ParentWorkflowId = 'x' OR WorkflowId = 'wf-1'", true)]
    [InlineData("BinaryChecksums = 'abc'", false)]
    [InlineData("NOT BinaryChecksums = 'abc'", false)]
    public void Matches_MissingAttribute_UsesThreeValuedLogic(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("`Custom Name` = 'it''s'", true)]
    [InlineData("`Custom Name` = 'it\\'s'", true)]
    [InlineData("`Custom Name` = \"it's\"", true)]
    [InlineData("`WorkflowId` = 'wf-1'", true)]
    [InlineData("CustomKeyword = 'alpha'", true)]
    [InlineData("WorkflowId = 'wf\\-1'", true)]
    [InlineData("WorkflowId = 'wf-1';", true)]
    [InlineData("`Custom Name` = \"it\"\"s\"", false)]
    public void Matches_QuotedNamesAndEscapes_AreDecoded(string query, bool expected) =>
        AssertMatch(query, expected);

    [Theory]
    [InlineData("ScheduleId = 'wf-1'", true)]
    [InlineData("TemporalScheduleId = 'wf-1'", true)]
    [InlineData("SchedulePaused IS NULL", true)]
    [InlineData("TemporalCustomKeyword = 'alpha'", true)]
    public void Matches_Aliases_ResolveLikeTheServer(string query, bool expected) =>
        AssertMatch(query, expected);

    [Fact]
    public void Matches_RecordWithNamespaceDivision_OnlyWhenQueryNamesIt()
    {
        var scheduler = new TestVisibilityRecord(new Dictionary<string, object?>
        {
            ["WorkflowId"] = "temporal-sys-scheduler:s1",
            ["TemporalNamespaceDivision"] = "TemporalScheduler",
        });

        Assert.False(VisibilityQuery.Parse("", AttributeTypes).Matches(scheduler));
        Assert.False(VisibilityQuery.Parse("WorkflowId STARTS_WITH 'temporal'", AttributeTypes).Matches(scheduler));
        Assert.True(VisibilityQuery.Parse("TemporalNamespaceDivision = 'TemporalScheduler'", AttributeTypes).Matches(scheduler));
        Assert.True(VisibilityQuery.Parse("TemporalNamespaceDivision IS NOT NULL OR TemporalNamespaceDivision IS NULL", AttributeTypes).Matches(scheduler));
    }

    [Theory]
    [InlineData("GROUP BY ExecutionStatus")]
    [InlineData("group by ExecutionStatus")]
    [InlineData("WorkflowType = 'OrderWorkflow' GROUP BY ExecutionStatus")]
    public void Parse_GroupByExecutionStatus_SetsFlag(string query)
    {
        var parsed = VisibilityQuery.Parse(query, AttributeTypes);

        Assert.True(parsed.GroupByExecutionStatus);
        Assert.True(parsed.Matches(Record));
    }

    [Fact]
    public void Parse_OrderBy_ReturnsResolvedAttributesAndDirections()
    {
        var parsed = VisibilityQuery.Parse(
            "WorkflowId = 'wf-1' ORDER BY StartTime DESC, CloseTime asc, ScheduleId, `Custom Name` DESC",
            AttributeTypes);

        Assert.Equal(
            [
                new VisibilityOrder("StartTime", true),
                new VisibilityOrder("CloseTime", false),
                new VisibilityOrder("WorkflowId", false),
                new VisibilityOrder("Custom Name", true),
            ],
            parsed.OrderBy);
        Assert.True(parsed.Matches(Record));
    }

    [Fact]
    public void Parse_OrderByWithoutFilter_MatchesEverything()
    {
        var parsed = VisibilityQuery.Parse("order by ExecutionTime", AttributeTypes);

        Assert.Equal([new VisibilityOrder("ExecutionTime", false)], parsed.OrderBy);
        Assert.True(parsed.Matches(Record));
    }

    [Theory]
    [InlineData("Foo = 'bar'", "invalid expression: column name 'Foo' is not a valid search attribute")]
    [InlineData("`Custom  Name` = 'x'", "invalid expression: column name 'Custom  Name' is not a valid search attribute")]
    [InlineData("workflowid = 'wf-1'", "invalid expression: column name 'workflowid' is not a valid search attribute")]
    [InlineData("ORDER BY Foo", "invalid expression: column name 'Foo' is not a valid search attribute")]
    [InlineData("WorkflowId = 'a' LIMIT 10", "operation is not supported: 'LIMIT' clause")]
    [InlineData("Foo = 'a' LIMIT 10", "operation is not supported: 'LIMIT' clause")]
    [InlineData("GROUP BY WorkflowType", "operation is not supported: 'GROUP BY' clause is not supported for search attribute WorkflowType")]
    [InlineData("GROUP BY ExecutionStatus, WorkflowType", "operation is not supported: 'GROUP BY' clause supports only a single field")]
    [InlineData("ORDER BY CustomText", "operation is not supported: unable to sort by search attribute type Text")]
    [InlineData("HistoryLength = 'ten'", "invalid expression: invalid value type for search attribute HistoryLength of type Int: \"ten\" (type: string)")]
    [InlineData("CustomDouble = 'x'", "invalid expression: invalid value type for search attribute CustomDouble of type Double: \"x\" (type: string)")]
    [InlineData("WorkflowId = 123", "invalid expression: invalid value type for search attribute WorkflowId of type Keyword: 123 (type: int64)")]
    [InlineData("CustomKeywordList = 1.5", "invalid expression: invalid value type for search attribute CustomKeywordList of type KeywordList: 1.5 (type: float64)")]
    [InlineData("CustomBool = 1", "invalid expression: invalid value type for search attribute CustomBool of type Bool: 1 (type: int64)")]
    [InlineData("CustomBool = 'yes'", "invalid expression: invalid value type for search attribute CustomBool of type Bool: \"yes\" (type: string)")]
    [InlineData("StartTime = 1.5", "invalid expression: invalid value type for search attribute StartTime of type Datetime: 1.5 (type: float64)")]
    [InlineData("StartTime > '2024-01-02 03:04:05Z'", "invalid expression: unable to parse datetime '2024-01-02 03:04:05Z'")]
    [InlineData("StartTime > '2024-01-02T03:04:05'", "invalid expression: unable to parse datetime '2024-01-02T03:04:05'")]
    [InlineData("HistoryLength STARTS_WITH 1", "operation is not supported: operator 'STARTS_WITH' not supported for Int type search attribute 'HistoryLength'")]
    [InlineData("HistoryLength STARTS_WITH 'x'", "invalid expression: invalid value type for search attribute HistoryLength of type Int: \"x\" (type: string)")]
    [InlineData("CustomKeywordList STARTS_WITH 'r'", "operation is not supported: operator 'STARTS_WITH' not supported for KeywordList type search attribute 'CustomKeywordList'")]
    [InlineData("CustomText > 'a'", "operation is not supported: operator '>' not supported for Text type search attribute 'CustomText'")]
    [InlineData("CustomKeywordList < 'a'", "operation is not supported: operator '<' not supported for KeywordList type search attribute 'CustomKeywordList'")]
    [InlineData("WorkflowId LIKE 'wf%'", "operation is not supported: operator 'LIKE' not supported for Keyword type search attribute 'WorkflowId'")]
    [InlineData("CustomBool BETWEEN false AND true", "invalid expression: cannot do range condition on search attribute 'CustomBool' of type Bool")]
    [InlineData("CustomText = '   '", "invalid expression: unexpected value for Text type search attribute (no tokens found)")]
    [InlineData("ExecutionStatus = 'Bogus'", "invalid expression: invalid ExecutionStatus value 'Bogus'")]
    [InlineData("ExecutionStatus = 'running'", "invalid expression: invalid ExecutionStatus value 'running'")]
    [InlineData("ExecutionStatus = 99", "invalid expression: invalid ExecutionStatus value 99")]
    [InlineData("ExecutionStatus = 1.5", "invalid expression: unexpected value type float64 for search attribute ExecutionStatus")]
    [InlineData("ExecutionStatus STARTS_WITH 'Running'", "invalid expression: right-hand side of \"starts_with\" operator must be a literal string (got: Running)")]
    [InlineData("ExecutionDuration > '1t'", "invalid expression: invalid duration value for search attribute ExecutionDuration: 1t")]
    [InlineData("WorkflowId = wf", "operation is not supported: column name on the right side of comparison expression (did you forget to quote \"wf\"?)")]
    [InlineData("WorkflowId = NULL", "invalid expression: unexpected value type *sqlparser.NullVal")]
    [InlineData("'wf-1' = WorkflowId", "invalid expression: must be a column name but was *sqlparser.SQLVal")]
    [InlineData("WorkflowId", "invalid expression: incomplete expression")]
    [InlineData("WorkflowId = 'a' AND true", "operation is not supported: expression of type sqlparser.BoolVal")]
    [InlineData("CloseTime IS TRUE", "invalid expression: 'IS' operator can only be used as 'IS NULL' or 'IS NOT NULL'")]
    [InlineData("WorkflowId = 'abc", "malformed SQL query: syntax error at position 45 near 'abc'")]
    [InlineData("`WorkflowId = 'abc'", "malformed SQL query: syntax error at position 47 near 'WorkflowId = 'abc''")]
    [InlineData("WorkflowId = 'a' garbage", "malformed SQL query: syntax error at position 52 near 'garbage'")]
    [InlineData("WorkflowId = 'a' AND", "malformed SQL query: syntax error at position 48")]
    [InlineData("WorkflowId = ", "malformed SQL query: syntax error at position 40")]
    [InlineData("(WorkflowId = 'a'", "malformed SQL query: syntax error at position 45")]
    [InlineData("WorkflowId IN ()", "malformed SQL query: syntax error at position 44 near ')'")]
    [InlineData("WorkflowId # 'a'", "malformed SQL query: syntax error at position 39 near '#'")]
    [InlineData("LIMIT 10", "malformed SQL query: syntax error at position 33 near 'LIMIT'")]
    [InlineData("ORDER BY StartTime LIMIT", "malformed SQL query: syntax error at position 46")]
    public void Parse_InvalidQuery_ThrowsServerMessage(string query, string expectedMessage)
    {
        var exception = Assert.Throws<VisibilityQueryException>(() => VisibilityQuery.Parse(query, AttributeTypes));

        Assert.Equal(expectedMessage, exception.Message);
    }

    [Fact]
    public void Matches_ManyRecords_EvaluatesEachIndependently()
    {
        var parsed = VisibilityQuery.Parse("HistoryLength >= 500 AND ExecutionStatus = 'Completed'", AttributeTypes);
        var records = Enumerable.Range(0, 1000).Select(i => new TestVisibilityRecord(new Dictionary<string, object?>
        {
            ["HistoryLength"] = (long)i,
            ["ExecutionStatus"] = i % 2 == 0 ? "Completed" : "Running",
        }));

        Assert.Equal(250, records.Count(parsed.Matches));
    }

    private static void AssertMatch(string query, bool expected) =>
        Assert.Equal(expected, VisibilityQuery.Parse(query, AttributeTypes).Matches(Record));
}
