namespace Dstack.TemporalServer.Schedules;

/// <summary>Real Temporal's scheduler constants and defaults (its "tweakable policies" and frontend limits).</summary>
internal static class ScheduleLimits
{
    /// <summary>The earliest year a calendar can name.</summary>
    public const int MinCalendarYear = 2000;

    /// <summary>The latest year a calendar matches; no action is computed past it.</summary>
    public const int MaxCalendarYear = 2100;

    public const int MaxCommentLength = 200;

    public const int NotesSizeLimit = 1000;

    /// <summary>Gets how many upcoming times DescribeSchedule lists.</summary>
    public const int FutureActionCount = 10;

    /// <summary>Gets how many recent actions DescribeSchedule keeps.</summary>
    public const int RecentActionCount = 10;

    public const int ListFutureActionCount = 5;

    public const int ListRecentActionCount = 5;

    /// <summary>Gets how many entries of each spec list a ListSchedules entry carries.</summary>
    public const int ListSpecFieldLength = 10;

    /// <summary>Gets how many starts may wait in the buffer; more are dropped and counted.</summary>
    public const int MaxBufferSize = 1000;

    /// <summary>Gets how many backfilled actions one pass takes, so a long backfill cannot flood the buffer.</summary>
    public const int BackfillsPerIteration = 10;

    public const int MaxListMatchingTimes = 1000;

    /// <summary>Gets how many candidate times one next-time search may skip (exclusions) before it gives up.</summary>
    public const int MaxSkippedTimes = 100_000;

    public const long InitialConflictToken = 1;

    /// <summary>Schedules are backed by a workflow of this ID prefix in real Temporal; its visibility rows are named so.</summary>
    public const string WorkflowIdPrefix = "temporal-sys-scheduler:";

    public const string WorkflowType = "temporal-sys-scheduler-workflow";

    /// <summary>The namespace division of scheduler rows, which keeps them out of ListWorkflowExecutions.</summary>
    public const string NamespaceDivision = "TemporalScheduler";

    public static readonly TimeSpan DefaultCatchupWindow = TimeSpan.FromDays(365);

    public static readonly TimeSpan MinCatchupWindow = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary>Gets how long a schedule that will take no more actions is kept before it closes.</summary>
    public static readonly TimeSpan IdleRetention = TimeSpan.FromDays(7);

    /// <summary>Gets the pause between passes while a backfill still has actions to buffer.</summary>
    public static readonly TimeSpan BackfillPassInterval = TimeSpan.FromSeconds(1);
}
