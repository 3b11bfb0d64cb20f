using System.Text;
using System.Text.RegularExpressions;

namespace Dstack.Core.Code;

/// <summary>
/// The simple subset of <c>.gitignore</c> patterns used outside Git: name globs (<c>*.pyc</c>), folders
/// (<c>data/</c>), anchored paths (<c>/build</c>, <c>docs/*.md</c>) and <c>**</c>. Negations (<c>!</c>) are not supported
/// and are skipped.
/// </summary>
internal sealed class IgnoreRules
{
    private readonly List<(Regex Pattern, bool DirectoryOnly)> _rules = [];

    /// <summary>Reads the patterns of every file in <paramref name="files"/> that exists.</summary>
    public static IgnoreRules Load(IEnumerable<string> files)
    {
        var rules = new IgnoreRules();
        foreach (var file in files.Where(File.Exists))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                rules.Add(line);
            }
        }

        return rules;
    }

    /// <summary>Adds one pattern line.</summary>
    public void Add(string line)
    {
        var pattern = line.TrimEnd();
        if (pattern.Length == 0 || pattern.StartsWith('#') || pattern.StartsWith('!'))
        {
            return;
        }

        var directoryOnly = pattern.EndsWith('/');
        pattern = pattern.TrimEnd('/');

        // As in Git, a pattern with a slash (other than at its end) is relative to the root; otherwise it matches a name at any depth.
        var anchored = pattern.Contains('/', StringComparison.Ordinal);
        pattern = pattern.TrimStart('/');
        if (pattern.Length == 0)
        {
            return;
        }

        var regex = new StringBuilder(anchored ? "^" : "^(?:.*/)?");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                regex.Append(".*");
                i++;
                if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                {
                    i++;
                    regex.Append("/?");
                }
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        regex.Append('$');
        _rules.Add((new Regex(regex.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), directoryOnly));
    }

    /// <summary>True when <paramref name="relativePath"/> (slash-separated) is ignored.</summary>
    public bool IsIgnored(string relativePath, bool isDirectory) =>
        _rules.Any(r => (isDirectory || !r.DirectoryOnly) && r.Pattern.IsMatch(relativePath));
}
