namespace Dstack.EndToEnd.Tests;

/// <summary>A fact that makes another Linux user (<see cref="OtherLocalUser"/>): skipped, saying why, where none can be made.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OtherUserFactAttribute : FactAttribute
{
    public OtherUserFactAttribute()
    {
        if (OtherLocalUser.Unavailable() is { } reason)
        {
            Skip = reason;
        }
    }
}
