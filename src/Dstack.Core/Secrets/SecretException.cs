namespace Dstack.Core.Secrets;

/// <summary>A secret cannot be stored or read: a bad name, a missing or wrong key, or a missing secret. Never carries a value.</summary>
/// <param name="message">What went wrong and what to do.</param>
/// <param name="isBadName">Whether the secret name itself is not valid (a mistake in the command line, not in the storage).</param>
public sealed class SecretException(string message, bool isBadName = false) : DstackException(message)
{
    /// <summary>Gets a value indicating whether the secret name itself is not valid.</summary>
    public bool IsBadName { get; } = isBadName;
}
