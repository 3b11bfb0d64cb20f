using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>Creates <see cref="KeyDefinition{TBuilder}"/>s.</summary>
internal static class KeyDefinition
{
    /// <summary>A key whose value has <paramref name="shape"/> and is stored by <paramref name="assign"/>.</summary>
    public static KeyDefinition<TBuilder> Create<TBuilder, TValue>(
        string name,
        string description,
        Shape<TValue> shape,
        Action<TBuilder, TValue> assign,
        bool required = false,
        IReadOnlyList<WorkflowProvider>? providers = null,
        IReadOnlyList<WorkflowProvider>? requiredFor = null) =>
        new(name, description, shape.Schema, (reader, node, path, builder) =>
        {
            if (!shape.TryRead(reader, node, path, out var value))
            {
                return false;
            }

            assign(builder, value);
            return true;
        })
        {
            Required = required,
            Providers = providers,
            RequiredFor = requiredFor ?? [],
        };
}
