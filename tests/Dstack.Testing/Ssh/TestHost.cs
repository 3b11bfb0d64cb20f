namespace Dstack.Testing.Ssh;

/// <summary>One sshd in a network namespace of its own, reachable at <see cref="Address"/> over a veth pair.</summary>
/// <param name="Namespace">The network namespace.</param>
/// <param name="Address">The host's address inside the namespace (10.250.N.2).</param>
/// <param name="OuterLink">This side's end of the veth pair.</param>
/// <param name="InnerLink">The host's end of the veth pair (inside its namespace): down cuts the host off.</param>
/// <param name="Folder">Its sshd files (config, host key, pid file, log).</param>
/// <param name="DstackDirectory">The dstack folder dstack uses on it (hosts share this machine's file system).</param>
public sealed record TestHost(string Namespace, string Address, string OuterLink, string InnerLink, string Folder, string DstackDirectory)
{
    public string Config => Path.Combine(Folder, "sshd_config");

    public string HostKey => Path.Combine(Folder, "host_key");

    public string PidFile => Path.Combine(Folder, "sshd.pid");

    public string Log => Path.Combine(Folder, "sshd.log");
}
