using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Configuration.Parsing;

/// <summary>
/// An artifact's folder: relative to the job's working directory and inside it. Found here, a path that leaves the job's
/// folder fails before anything runs, instead of after the whole job when the upload is refused.
/// </summary>
internal sealed class ArtifactPathShape : Shape<TemplateString>
{
    private const string Expected = "a folder inside the job's working directory, such as ./output";

    private static readonly TemplateShape Template = new("a folder path");

    public override bool TryRead(NodeReader reader, YamlNode node, string path, [MaybeNullWhen(false)] out TemplateString value)
    {
        if (!Template.TryRead(reader, node, path, out value))
        {
            return false;
        }

        if (Problem(value.Text) is not { } problem)
        {
            return true;
        }

        reader.Error(node, path, $"expected {Expected}, found '{value.Text}' ({problem})");
        value = null;
        return false;
    }

    public override JsonObject Schema()
    {
        // Not absolute or under ~, no '..' segment, not the working directory itself ('.', './', '././').
        var schema = Template.Schema();
        schema["not"] = new JsonObject { ["pattern"] = @"^[/~]|(^|/)\.\.(/|$)|^(\./*)+$" };
        return schema;
    }

    private static string? Problem(string text)
    {
        if (text.StartsWith('/') || text.StartsWith('~'))
        {
            return "artifacts are saved from the job's folder, so the path must be relative to it";
        }

        var segments = text.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Contains(".."))
        {
            return "'..' leaves the job's folder";
        }

        return segments.All(s => s == ".")
            ? "that is the working directory itself, which holds the code checkout; write the outputs to a subfolder"
            : null;
    }
}
