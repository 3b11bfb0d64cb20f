using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>One workflow: a map whose allowed and required keys depend on its provider.</summary>
internal sealed class WorkflowShape(IReadOnlyList<KeyDefinition<WorkflowBuilder>> keys) : Shape<WorkflowSpec>
{
    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out WorkflowSpec value)
    {
        value = null;
        if (node is not YamlMappingNode map)
        {
            reader.TypeError(node, path, "a workflow (a map with name, provider, ...)");
            return false;
        }

        var provider = PeekProvider(map);
        var builder = new WorkflowBuilder();
        var present = ObjectReading.Walk(reader, map, path, keys, builder, key =>
            provider is { } p && key.Providers is { } allowed && !allowed.Contains(p)
                ? $"key '{key.Name}' is not allowed for provider '{p.ToConfigName()}'; only for {string.Join(", ", allowed.Select(a => a.ToConfigName()))}"
                : null);

        if (provider is { } known)
        {
            foreach (var key in keys.Where(k => k.RequiredFor.Contains(known) && !present.ContainsKey(k.Name)))
            {
                reader.Error(map, path, $"missing required key '{key.Name}' (provider '{known.ToConfigName()}' needs it)");
            }
        }

        var spotPolicy = builder.SpotPolicy;
        if (builder.Resources.Interruptible)
        {
            if (spotPolicy == SpotPolicy.OnDemand)
            {
                var keyPath = NodeReader.Child(path, "spot_policy");
                reader.Error(map.Children[new YamlScalarNode("spot_policy")], keyPath,
                    "expected spot or auto, as resources.interruptible is true, found 'on-demand'");
                return false;
            }

            spotPolicy ??= SpotPolicy.Spot;
        }

        if (builder.Name is null || builder.Provider is null)
        {
            return false;
        }

        value = new WorkflowSpec
        {
            Name = builder.Name,
            Provider = builder.Provider.Value,
            Source = new SourceLocation(reader.File, (int)map.Start.Line, (int)map.Start.Column),
            Help = builder.Help,
            Commands = builder.Commands,
            Setup = builder.Setup,
            Python = builder.Python,
            Requirements = builder.Requirements,
            Conda = builder.Conda,
            Image = builder.Image,
            Env = builder.Env,
            Secrets = builder.Secrets,
            WorkingDir = builder.WorkingDir,
            Ports = builder.Ports,
            Artifacts = builder.Artifacts,
            Deps = builder.Deps,
            Resources = builder.Resources,
            SpotPolicy = spotPolicy ?? SpotPolicy.OnDemand,
            Retry = builder.Retry,
            MaxPrice = builder.MaxPrice,
            MaxDuration = builder.MaxDuration,
            Backends = builder.Backends,
            Regions = builder.Regions,
            IdleDuration = builder.IdleDuration,
        };
        return true;
    }

    public override JsonObject Schema()
    {
        var properties = new JsonObject();
        foreach (var key in keys)
        {
            properties[key.Name] = key.Schema();
        }

        var rules = new JsonArray();
        foreach (var provider in Enum.GetValues<WorkflowProvider>())
        {
            var then = new JsonObject();
            var required = keys.Where(k => k.RequiredFor.Contains(provider)).Select(k => (JsonNode?)k.Name).ToArray();
            if (required.Length > 0)
            {
                then["required"] = new JsonArray(required);
            }

            var forbidden = new JsonObject();
            foreach (var key in keys.Where(k => k.Providers is { } allowed && !allowed.Contains(provider)))
            {
                forbidden[key.Name] = false;
            }

            if (forbidden.Count > 0)
            {
                then["properties"] = forbidden;
            }

            rules.Add(new JsonObject
            {
                ["if"] = new JsonObject
                {
                    ["required"] = new JsonArray("provider"),
                    ["properties"] = new JsonObject { ["provider"] = new JsonObject { ["const"] = provider.ToConfigName() } },
                },
                ["then"] = then,
            });
        }

        // resources.interruptible: true contradicts spot_policy: on-demand.
        rules.Add(new JsonObject
        {
            ["if"] = new JsonObject
            {
                ["required"] = new JsonArray("resources"),
                ["properties"] = new JsonObject
                {
                    ["resources"] = new JsonObject
                    {
                        ["required"] = new JsonArray("interruptible"),
                        ["properties"] = new JsonObject { ["interruptible"] = new JsonObject { ["const"] = true } },
                    },
                },
            },
            ["then"] = new JsonObject
            {
                ["properties"] = new JsonObject
                {
                    ["spot_policy"] = new JsonObject { ["not"] = new JsonObject { ["const"] = SpotPolicy.OnDemand.ToConfigName() } },
                },
            },
        });

        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray(keys.Where(k => k.Required).Select(k => (JsonNode?)k.Name).ToArray()),
            ["additionalProperties"] = false,
            ["allOf"] = rules,
        };
    }

    /// <summary>The provider, if it is written correctly; errors in it are reported when the key itself is read.</summary>
    private static WorkflowProvider? PeekProvider(YamlMappingNode map) =>
        map.Children.TryGetValue(new YamlScalarNode("provider"), out var node)
        && node is YamlScalarNode { Value: { } text } scalar
        && NodeReader.KindOf(scalar) == ScalarKind.String
        && WorkflowKeys.ProviderShape.TryParse(text, out var provider)
            ? provider
            : null;
}
