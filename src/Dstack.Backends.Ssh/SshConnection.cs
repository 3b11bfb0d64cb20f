using System.Collections.Concurrent;
using Renci.SshNet;

namespace Dstack.Backends.Ssh;

/// <summary>One live connection to a host: an SSH session for scripts and, unless dedicated to a port forward, an SFTP session for files.</summary>
internal sealed class SshConnection(SshClient ssh, SftpClient? sftp, IDisposable key) : IDisposable
{
    /// <summary>
    /// How many commands may run at once on <see cref="Ssh"/>: OpenSSH refuses a channel beyond its <c>MaxSessions</c>
    /// (10 by default), and SSH.NET reports that as a failed command, not as a wait. Kept under it, with room for a
    /// user's own sessions.
    /// </summary>
    public const int MaxSessions = 8;

    public SshClient Ssh { get; } = ssh;

    /// <summary>Gets the dstack folders resolved on this connection: the configured path (maybe <c>~/...</c>) to the absolute one.</summary>
    public ConcurrentDictionary<string, string> DstackDirectories { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the gate every command on <see cref="Ssh"/> passes, <see cref="MaxSessions"/> at a time.</summary>
    public SemaphoreSlim Sessions { get; } = new(MaxSessions, MaxSessions);

    public SftpClient Sftp => sftp ?? throw new InvalidOperationException("This connection carries a port forward only; it has no SFTP session.");

    public bool IsConnected => Ssh.IsConnected && (sftp?.IsConnected ?? true);

    public void Dispose()
    {
        sftp?.Dispose();
        Ssh.Dispose();
        key.Dispose();
    }
}
