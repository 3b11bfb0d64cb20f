using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>
/// One kind of value in a workflows file: how to read it from YAML and its JSON Schema, side by side,
/// so that the parser and <see cref="WorkflowSchema"/> cannot disagree.
/// </summary>
/// <typeparam name="T">What the value is read into.</typeparam>
internal abstract class Shape<T>
{
    /// <summary>Reads the value, reporting errors to <paramref name="reader"/>; false when it is invalid.</summary>
    public abstract bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out T value);

    /// <summary>The JSON Schema of the value (a fresh node each call).</summary>
    public abstract JsonObject Schema();
}
