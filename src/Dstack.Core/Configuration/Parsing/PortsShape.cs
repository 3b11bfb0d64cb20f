using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>Ports: a count (<c>ports: 2</c>) or a list of port numbers (<c>ports: [8080, 6006]</c>).</summary>
internal sealed class PortsShape : Shape<PortsSpec>
{
    private const int MaxPort = 65535;

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out PortsSpec value)
    {
        value = null;
        if (NodeReader.TryInt(node, out var count))
        {
            if (count is < 1 or > MaxPort)
            {
                reader.Error(node, path, $"expected a port count from 1 to {MaxPort}, found {NodeReader.Describe(node)}");
                return false;
            }

            value = new PortsSpec((int)count, []);
            return true;
        }

        if (node is not YamlSequenceNode sequence || sequence.Children.Count == 0)
        {
            reader.TypeError(node, path, "a port count or a non-empty list of port numbers");
            return false;
        }

        var ports = new List<int>();
        var ok = true;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            var itemPath = NodeReader.Item(path, i);
            if (!NodeReader.TryInt(item, out var port))
            {
                reader.TypeError(item, itemPath, "a port number");
                ok = false;
            }
            else if (port is < 1 or > MaxPort)
            {
                reader.Error(item, itemPath, $"expected a port number from 1 to {MaxPort}, found {NodeReader.Describe(item)}");
                ok = false;
            }
            else if (ports.Contains((int)port))
            {
                reader.Error(item, itemPath, $"duplicate port {port}");
                ok = false;
            }
            else
            {
                ports.Add((int)port);
            }
        }

        value = new PortsSpec(ports.Count, ports);
        return ok;
    }

    public override JsonObject Schema() =>
        SchemaNodes.AnyOf(
            SchemaNodes.Integer(1, MaxPort),
            new JsonObject
            {
                ["type"] = "array",
                ["items"] = SchemaNodes.Integer(1, MaxPort),
                ["minItems"] = 1,
                ["uniqueItems"] = true,
            });
}
