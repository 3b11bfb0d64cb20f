using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary><c>true</c> or <c>false</c>.</summary>
internal sealed class BoolShape : Shape<bool>
{
    public override bool TryRead(NodeReader reader, YamlNode node, string path, out bool value)
    {
        if (NodeReader.TryBool(node, out value))
        {
            return true;
        }

        reader.TypeError(node, path, "true or false");
        return false;
    }

    public override JsonObject Schema() => new() { ["type"] = "boolean" };
}
