using System.Text.Json;
using Dstack.Core.Configuration;
using Json.Schema;

namespace Dstack.Core.Tests.Configuration;

/// <summary>The generated schema, built once (JsonSchema.Net registers schemas by their $id).</summary>
internal static class SchemaValidator
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(WorkflowSchema.Generate()));

    public static bool IsValid(string yaml)
    {
        var json = YamlJson.Convert(yaml);
        var element = JsonSerializer.SerializeToElement(json);
        return Schema.Value.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid;
    }
}
