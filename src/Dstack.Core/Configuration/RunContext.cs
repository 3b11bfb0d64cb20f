using System.Text.RegularExpressions;

namespace Dstack.Core.Configuration;

/// <summary>The values <c>${{ run.name }}</c> and <c>${{ run.args }}</c> render to.</summary>
/// <param name="RunName">The run name.</param>
/// <param name="Args">The extra command-line arguments of <c>dstack run</c>.</param>
public sealed partial record RunContext(string RunName, IReadOnlyList<string> Args)
{
    /// <summary>The arguments, each quoted for a POSIX shell, joined by spaces.</summary>
    public string QuotedArgs => string.Join(' ', Args.Select(ShellQuote));

    /// <summary>Quotes <paramref name="value"/> for a POSIX shell; safe words stay as they are.</summary>
    public static string ShellQuote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SafeWord().IsMatch(value) ? value : "'" + value.Replace("'", @"'\''", StringComparison.Ordinal) + "'";
    }

    [GeneratedRegex("^[A-Za-z0-9_@%+=:,./-]+$")]
    private static partial Regex SafeWord();
}
