namespace Dstack.EndToEnd.Tests;

/// <summary>A fact that needs code-server on the PATH (CI installs it with .ci/install-code-server); skipped with the reason elsewhere.</summary>
public sealed class CodeServerFactAttribute : FactAttribute
{
    public CodeServerFactAttribute()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(d => File.Exists(Path.Combine(d, "code-server")));
        if (!found)
        {
            Skip = "code-server is not installed (run .ci/install-code-server as root)";
        }
    }
}
