using System.Text.Json.Nodes;

namespace Dstack.Cli.Tests.Commands;

public sealed class SchemaCommandTests
{
    [Fact]
    public async Task Schema_PrintsPlainJsonSchema()
    {
        var (exitCode, output) = await CliRunner.RunAsync("schema");

        Assert.Equal(ExitCodes.Ok, exitCode);
        var schema = JsonNode.Parse(output)!;
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema["$schema"]!.GetValue<string>());
        Assert.NotNull(schema["properties"]!["workflows"]);
    }
}
