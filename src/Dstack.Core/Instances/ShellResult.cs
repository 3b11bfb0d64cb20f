namespace Dstack.Core.Instances;

/// <summary>The outcome of a script run on an instance.</summary>
public sealed record ShellResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;
}
