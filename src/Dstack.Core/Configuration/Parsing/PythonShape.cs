using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>
/// A Python version, <c>3.10</c> or <c>"3.11"</c>. The scalar's text is read, never a double, so that the YAML float
/// <c>3.10</c> stays Python 3.10 instead of becoming 3.1.
/// </summary>
internal sealed partial class PythonShape : Shape<PythonVersion>
{
    private static readonly string Expected =
        $"a Python version from 3.{PythonVersion.LowestMinor} to 3.{PythonVersion.HighestMinor} like 3.10";

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out PythonVersion value)
    {
        value = null;
        if (node is YamlScalarNode { Value: { } text } scalar
            && NodeReader.KindOf(scalar) is ScalarKind.String or ScalarKind.Float
            && VersionRegex().Match(text) is { Success: true } match
            && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            && match.Groups[2].Value.Length <= 2)
        {
            if (major == 3 && minor >= PythonVersion.LowestMinor && minor <= PythonVersion.HighestMinor)
            {
                value = new PythonVersion(major, minor);
                return true;
            }
        }

        reader.TypeError(node, path, Expected);
        return false;
    }

    public override JsonObject Schema()
    {
        var numbers = new JsonArray();
        for (var minor = PythonVersion.LowestMinor; minor <= PythonVersion.HighestMinor; minor++)
        {
            // A JSON number cannot tell 3.10 from 3.1; validators compare values, so 3.10 is listed as written.
            numbers.Add(decimal.Parse($"3.{minor}", CultureInfo.InvariantCulture));
        }

        return SchemaNodes.AnyOf(
            SchemaNodes.Pattern(Patterns.PythonText),
            new JsonObject { ["type"] = "number", ["enum"] = numbers });
    }

    [GeneratedRegex(@"^([0-9]+)\.([0-9]+)$")]
    private static partial Regex VersionRegex();
}
