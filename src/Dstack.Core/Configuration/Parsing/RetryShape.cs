using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>
/// <c>retry: true</c> (every event, for 1h), <c>retry: false</c> (none, read as null), or
/// <c>{on_events: [no-capacity, interruption, error], duration: 1h}</c>.
/// </summary>
internal sealed class RetryShape : Shape<RetryPolicySpec?>
{
    private static readonly ObjectShape<RetryBuilder, RetryPolicySpec> Map = new(
        [
            KeyDefinition.Create<RetryBuilder, IReadOnlyList<RetryEvent>>(
                "on_events",
                "The events to retry on. Default: all of them.",
                new ListShape<RetryEvent>(new EnumShape<RetryEvent>(e => e.ToConfigName()), "retry events", unique: true, nonEmpty: true),
                (b, v) => b.OnEvents = v),
            KeyDefinition.Create<RetryBuilder, TimeSpan?>(
                "duration", "How long to keep retrying. Default: 1h.", new DurationShape(allowOff: false), (b, v) => b.Duration = v),
        ],
        () => new RetryBuilder(),
        (_, _, _, builder) => builder.Build());

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out RetryPolicySpec? value)
    {
        value = null;
        if (NodeReader.TryBool(node, out var enabled))
        {
            value = enabled ? RetryPolicySpec.All : null;
            return true;
        }

        if (node is YamlMappingNode)
        {
            return Map.TryRead(reader, node, path, out value);
        }

        reader.TypeError(node, path, "true, false, or a map with on_events and duration");
        return false;
    }

    public override JsonObject Schema() => SchemaNodes.AnyOf(new JsonObject { ["type"] = "boolean" }, Map.Schema());
}
