using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>
/// GPUs: a count (<c>1</c>, <c>1..2</c>), a list of names, a map <c>{vendor, name, count, memory}</c>, or the compact
/// form of ':'-joined tokens (<c>A100:80GB:2</c>, <c>nvidia:1..8</c>, <c>24GB..</c>, <c>A10G,A100:1..2</c>).
/// </summary>
/// <remarks>
/// Compact tokens: a vendor word (nvidia, amd, google, tpu, intel) is the vendor; a token starting with a letter is
/// names (comma-separated); a token with a size unit is the memory (range); digits only are the count (range).
/// </remarks>
internal sealed partial class GpuShape : Shape<GpuSpec>
{
    private const string Expected = "a GPU count, a spec like A100:80GB:2, a list of names, or a map with name, count, memory";

    private static readonly Dictionary<string, GpuVendor> VendorAliases = new(StringComparer.Ordinal) { ["tpu"] = GpuVendor.Google };
    private static readonly EnumShape<GpuVendor> Vendor = new(v => v.ToConfigName(), VendorAliases);
    private static readonly CountRangeShape Count = new(0, "GPU");
    private static readonly SizeRangeShape Memory = new();

    private static readonly ObjectShape<GpuBuilder, GpuSpec> Map = new(
        [
            KeyDefinition.Create<GpuBuilder, GpuVendor>("vendor", "The GPU vendor.", Vendor, (b, v) => b.Vendor = v),
            KeyDefinition.Create<GpuBuilder, IReadOnlyList<string>>("name", "Acceptable GPU names: A100, or a list.", new GpuNamesShape(), (b, v) => b.Names = v),
            KeyDefinition.Create<GpuBuilder, Range<int>>("count", "How many GPUs: 2, or a range like 1..4. Default 1.", Count, (b, v) => b.Count = v),
            KeyDefinition.Create<GpuBuilder, Range<MemorySize>>("memory", "Memory per GPU: 40GB, or a range like 24GB..80GB.", Memory, (b, v) => b.Memory = v),
        ],
        () => new GpuBuilder(),
        (_, _, _, builder) => builder.Build());

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out GpuSpec value)
    {
        value = null;
        switch (node)
        {
            case YamlScalarNode scalar when NodeReader.KindOf(scalar) == ScalarKind.Int:
                if (!Count.TryRead(reader, node, path, out var count))
                {
                    return false;
                }

                value = new GpuBuilder { Count = count }.Build();
                return true;

            case YamlScalarNode { Value: { } text } scalar when NodeReader.KindOf(scalar) == ScalarKind.String:
                return TryParseCompact(reader, scalar, text, path, out value);

            case YamlSequenceNode:
                if (!new GpuNamesShape().TryRead(reader, node, path, out var names))
                {
                    return false;
                }

                value = new GpuBuilder { Names = names }.Build();
                return true;

            case YamlMappingNode:
                return Map.TryRead(reader, node, path, out value);

            default:
                reader.TypeError(node, path, Expected);
                return false;
        }
    }

    public override JsonObject Schema() =>
        SchemaNodes.AnyOf(
            SchemaNodes.Integer(0),
            SchemaNodes.Pattern(Patterns.GpuCompactText),
            new GpuNamesShape().Schema()["anyOf"]![1]!.DeepClone().AsObject(),
            Map.Schema());

    private static bool TryParseCompact(NodeReader reader, YamlScalarNode node, string text, string path, [MaybeNullWhen(false)] out GpuSpec value)
    {
        value = null;
        var builder = new GpuBuilder();
        foreach (var token in text.Split(':'))
        {
            string? kind = null;
            var duplicate = false;
            if (TryVendor(token, out var vendor))
            {
                kind = "vendor";
                duplicate = builder.Vendor is not null;
                builder.Vendor = vendor;
            }
            else if (token.Length > 0 && char.IsAsciiLetter(token[0]) && NamesRegex().IsMatch(token))
            {
                kind = "names";
                duplicate = builder.Names is not null;
                builder.Names = token.Split(',');
                if (!GpuNamesShape.CheckKnown(reader, node, path, builder.Names))
                {
                    return false;
                }
            }
            else if (SizeRangeShape.TryParse(token, out var memory))
            {
                kind = "memory";
                duplicate = builder.Memory is not null;
                if (!RangeText.Check(reader, memory, new MemorySize(1), _ => "1MB", path, node))
                {
                    return false;
                }

                builder.Memory = memory;
            }
            else if (CountRangeShape.IsRange(token))
            {
                kind = "count";
                duplicate = builder.Count is not null;
                Range<int> count;
                try
                {
                    count = RangeText.Parse(token, s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture));
                }
                catch (OverflowException)
                {
                    reader.Error(node, path, $"GPU count '{token}' is too large");
                    return false;
                }

                if (!RangeText.Check(reader, count, 0, v => $"{v}", path, node))
                {
                    return false;
                }

                builder.Count = count;
            }

            if (kind is null)
            {
                reader.Error(node, path,
                    $"expected GPU spec tokens joined by ':' (vendor, names like A100, memory like 80GB, count like 2), found '{token}' in '{text}'");
                return false;
            }

            if (duplicate)
            {
                reader.Error(node, path, $"expected the GPU {kind} at most once, found it twice in '{text}'");
                return false;
            }
        }

        value = builder.Build();
        return true;
    }

    private static bool TryVendor(string token, out GpuVendor vendor)
    {
        foreach (var candidate in Enum.GetValues<GpuVendor>())
        {
            if (string.Equals(candidate.ToConfigName(), token, StringComparison.OrdinalIgnoreCase))
            {
                vendor = candidate;
                return true;
            }
        }

        vendor = GpuVendor.Google;
        return string.Equals(token, "tpu", StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("^" + Patterns.GpuNames + "$")]
    private static partial Regex NamesRegex();
}
