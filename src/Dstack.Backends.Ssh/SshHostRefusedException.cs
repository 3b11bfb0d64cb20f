using Dstack.Core;

namespace Dstack.Backends.Ssh;

/// <summary>
/// A host answered but dstack cannot (or must not) use it: its key changed since it was pinned, or it refused the key.
/// Unlike an unreachable host, retrying does not help; the message says what to fix.
/// </summary>
internal sealed class SshHostRefusedException : DstackException
{
    public SshHostRefusedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
