namespace Dstack.Core.Secrets;

/// <summary>A secret cannot be stored or read: a bad name, a missing or wrong key, or a missing secret. Never carries a value.</summary>
public sealed class SecretException(string message) : DstackException(message);
