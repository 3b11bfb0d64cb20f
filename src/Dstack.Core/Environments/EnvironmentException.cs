namespace Dstack.Core.Environments;

/// <summary>A job script cannot be built from a run spec (an invalid variable name, a path leaving the repository).</summary>
public sealed class EnvironmentException : DstackException
{
    /// <summary>Creates the exception with a message for the user.</summary>
    public EnvironmentException(string message)
        : base(message)
    {
    }
}
