using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dstack.Core.Configuration.Parsing;

namespace Dstack.Core.Configuration;

/// <summary>The JSON Schema (draft 2020-12) of workflows files, generated from the table the parser reads.</summary>
/// <remarks>
/// A few rules are beyond JSON Schema and are checked by the parser only: duplicate names (across files), ranges whose
/// minimum exceeds their maximum, <c>python: 3.1</c> written as a number (indistinguishable from 3.10 in JSON), and
/// duplicate environment variables.
/// </remarks>
public static class WorkflowSchema
{
    /// <summary>The schema's <c>$id</c>.</summary>
    public const string Id = "https://dstack.ai/schemas/workflows.json";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,

        // The schema is read by people and editors, not embedded in HTML: keep ` and ' readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The schema as a JSON node tree.</summary>
    public static JsonObject GenerateNode()
    {
        var root = WorkflowKeys.Root.Schema();
        var schema = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = Id,
            ["title"] = "dstack workflows",
            ["description"] = "The workflows of .dstack/workflows.yaml and .dstack/workflows/*.yaml.",
        };
        foreach (var (name, value) in root.ToList())
        {
            root.Remove(name);
            schema[name] = value;
        }

        return schema;
    }

    /// <summary>The schema as indented JSON text.</summary>
    public static string Generate() => GenerateNode().ToJsonString(Indented);
}
