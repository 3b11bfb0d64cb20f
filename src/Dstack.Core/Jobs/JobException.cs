namespace Dstack.Core.Jobs;

/// <summary>The job protocol failed on an instance (a script of it failed, or the job folder is not as expected).</summary>
public sealed class JobException : DstackException
{
    /// <summary>Creates the exception with a message for the user.</summary>
    public JobException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
