using Renci.SshNet;

namespace Dstack.Backends.Ssh;

/// <summary>One live connection to a host: an SSH session for scripts and, unless dedicated to a port forward, an SFTP session for files.</summary>
internal sealed class SshConnection(SshClient ssh, SftpClient? sftp, IDisposable key) : IDisposable
{
    public SshClient Ssh { get; } = ssh;

    public SftpClient Sftp => sftp ?? throw new InvalidOperationException("This connection carries a port forward only; it has no SFTP session.");

    public bool IsConnected => Ssh.IsConnected && (sftp?.IsConnected ?? true);

    public void Dispose()
    {
        sftp?.Dispose();
        Ssh.Dispose();
        key.Dispose();
    }
}
