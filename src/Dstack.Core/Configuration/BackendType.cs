namespace Dstack.Core.Configuration;

/// <summary>Where jobs may run.</summary>
public enum BackendType
{
    /// <summary><c>local</c>: this machine.</summary>
    Local,

    /// <summary><c>ssh</c>: hosts listed in the user configuration.</summary>
    Ssh,

    /// <summary><c>aws</c>: EC2 instances.</summary>
    Aws,
}
