namespace Dstack.Core.Runs;

/// <summary>Why a run ended without success; also the error types of the workflow's typed failures.</summary>
public static class FailureReason
{
    public const string NoCapacity = "no-capacity";
    public const string Interruption = "interruption";
    public const string Error = "error";
    public const string StoppedByUser = "stopped-by-user";
    public const string AbortedByUser = "aborted-by-user";
    public const string MaxDuration = "max-duration";
    public const string Config = "config";
    public const string InstanceUnreachable = "instance-unreachable";
}
