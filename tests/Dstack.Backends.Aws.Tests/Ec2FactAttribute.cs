namespace Dstack.Backends.Aws.Tests;

/// <summary>A fact that needs the EC2 emulator (root, sshd, ip, python3); skipped with the reason elsewhere.</summary>
public sealed class Ec2FactAttribute : FactAttribute
{
    public Ec2FactAttribute()
    {
        if (Ec2Emulator.Unavailable() is { } reason)
        {
            Skip = reason;
        }
    }
}
