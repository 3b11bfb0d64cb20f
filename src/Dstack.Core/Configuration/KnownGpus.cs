using System.Text;

namespace Dstack.Core.Configuration;

/// <summary>
/// The GPU names dstack knows: every GPU of the aws backend's catalog (a test keeps them in step) and the common NVIDIA,
/// AMD, Google and Intel accelerators an SSH host or this machine may have. A name outside this list is a typo far more
/// often than a new GPU, and would only fail later with no capacity, so the workflow parser and the command-line
/// options refuse it and list these.
/// </summary>
public static class KnownGpus
{
    /// <summary>The names, as users write them (<c>A100</c>, <c>RTX4090</c>), grouped by vendor.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        // NVIDIA data center: Blackwell, Hopper, Ada, Ampere, Turing, Volta, Pascal, Maxwell, Kepler.
        "GB200", "B200", "B100", "GH200", "H200", "H100", "H800", "H20", "L40S", "L40", "L20", "L4",
        "A100", "A800", "A40", "A30", "A16", "A10G", "A10", "A2", "T4G", "T4", "V100", "P100", "P40", "P4", "M60", "K80",

        // NVIDIA workstation and consumer cards.
        "RTX6000", "RTX5000", "RTX4500", "RTX4000", "RTX8000", "A6000", "A5500", "A5000", "A4500", "A4000", "A2000",
        "RTX5090", "RTX5080", "RTX4090", "RTX4080", "RTX4070", "RTX4060", "RTX3090", "RTX3080", "RTX3070", "RTX3060",
        "RTX2080", "RTX2070", "TITANRTX", "TITANV", "GTX1080",

        // AMD Instinct and Radeon.
        "MI355X", "MI325X", "MI300X", "MI300A", "MI250X", "MI250", "MI210", "MI100", "W7900", "RX7900",

        // Google TPUs and Intel Gaudi.
        "v2", "v3", "v4", "v5e", "v5p", "v6e", "Gaudi", "Gaudi2", "Gaudi3",
    ];

    private static readonly HashSet<string> Normalized = [.. Names.Select(Normalize)];

    /// <summary>Whether <paramref name="name"/> is a known GPU, ignoring case and separators (<c>rtx-4090</c> is <c>RTX4090</c>).</summary>
    public static bool IsKnown(string name) => Normalized.Contains(Normalize(name));

    /// <summary>
    /// Whether the GPU a machine reports (<c>NVIDIA A100-SXM4-80GB</c>, <c>NVIDIA GeForce RTX 4090</c>) is the one asked
    /// for. The name must equal whole words of the reported name, one or several in a row (<c>A100</c>, <c>RTX4090</c>),
    /// never a part of one: <c>L4</c> is not an <c>L40S</c>, nor <c>A10</c> an <c>A10G</c>.
    /// </summary>
    public static bool Matches(string requested, string reported)
    {
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(reported);
        var wanted = Normalize(requested);
        var words = reported.Split((char[])[' ', '-', '_', '.', '/', '(', ')', ','], StringSplitOptions.RemoveEmptyEntries);
        for (var first = 0; first < words.Length; first++)
        {
            var joined = new StringBuilder();
            for (var last = first; last < words.Length && joined.Length < wanted.Length; last++)
            {
                joined.Append(Normalize(words[last]));
                if (joined.Length == wanted.Length && joined.ToString() == wanted)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Upper-case letters and digits only: the form names are compared in.</summary>
    private static string Normalize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(char.ToUpperInvariant(c));
            }
        }

        return builder.ToString();
    }
}
