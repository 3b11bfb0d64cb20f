namespace Dstack.Testing.Ssh;

/// <summary>A test that needs real sshd hosts in network namespaces: it is skipped, saying why, where they cannot be made.</summary>
public sealed class SshFactAttribute : FactAttribute
{
    public SshFactAttribute()
    {
        if (NetworkHosts.Unavailable() is { } reason)
        {
            Skip = reason;
        }
    }
}
