using Renci.SshNet;

namespace Dstack.Backends.Ssh;

/// <summary>One live connection to a host: an SSH session for scripts and an SFTP session for files.</summary>
internal sealed class SshConnection(SshClient ssh, SftpClient sftp, IDisposable key) : IDisposable
{
    public SshClient Ssh { get; } = ssh;

    public SftpClient Sftp { get; } = sftp;

    public bool IsConnected => Ssh.IsConnected && Sftp.IsConnected;

    public void Dispose()
    {
        Sftp.Dispose();
        Ssh.Dispose();
        key.Dispose();
    }
}
