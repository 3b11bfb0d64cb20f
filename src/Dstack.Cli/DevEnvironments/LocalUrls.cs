using System.Globalization;
using System.Text.RegularExpressions;

namespace Dstack.Cli.DevEnvironments;

/// <summary>
/// Addresses of a job's own ports as the job prints them (<c>http://localhost:8000</c>, <c>127.0.0.1:8000</c>,
/// <c>0.0.0.0:8000</c>), rewritten to where the CLI forwards those ports (<c>localhost:LOCAL</c>).
/// </summary>
internal static partial class LocalUrls
{
    /// <summary>Gets whether <paramref name="text"/> holds such an address in <c>[start, start + length)</c>; returns its index or -1.</summary>
    public static int Find(string text, int start, int length)
    {
        var match = AddressRegex().Match(text, start, length);
        return match.Success ? match.Index : -1;
    }

    /// <summary>Rewrites every address of a port in <paramref name="localPorts"/> (instance port → local port).</summary>
    public static string Rewrite(string text, IReadOnlyDictionary<int, int> localPorts) =>
        localPorts.Count == 0
            ? text
            : AddressRegex().Replace(text, m =>
                int.TryParse(m.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && localPorts.TryGetValue(port, out var local)
                    ? string.Create(CultureInfo.InvariantCulture, $"localhost:{local}")
                    : m.Value);

    [GeneratedRegex(@"(?<![\w.-])(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::\]|\[::1\]):(?<port>[0-9]{1,5})(?![0-9])")]
    private static partial Regex AddressRegex();
}
