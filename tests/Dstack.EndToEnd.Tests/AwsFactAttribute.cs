namespace Dstack.EndToEnd.Tests;

/// <summary>A fact that needs the EC2 emulator (root, sshd, ip, python3); skipped with the reason elsewhere.</summary>
public sealed class AwsFactAttribute : FactAttribute
{
    public AwsFactAttribute()
    {
        if (Ec2Emulator.Unavailable() is { } reason)
        {
            Skip = reason;
        }
    }
}
