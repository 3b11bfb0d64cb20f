namespace Dstack.Core;

/// <summary>The base of every error dstack reports to its user as a message rather than a stack trace.</summary>
public abstract class DstackException : Exception
{
    /// <summary>Creates the exception with a message for the user.</summary>
    protected DstackException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for the user and the error that caused it.</summary>
    protected DstackException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
