using System.Text.Json.Nodes;
using Dstack.Core.Configuration;
using Dstack.Core.Configuration.Parsing;

namespace Dstack.Core.Tests.Configuration;

public sealed class WorkflowSchemaTests
{
    [Fact]
    public void Generate_IsDraft2020JsonWithEveryWorkflowKey()
    {
        var schema = JsonNode.Parse(WorkflowSchema.Generate())!;

        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema["$schema"]!.GetValue<string>());
        var properties = schema["properties"]!["workflows"]!["items"]!["properties"]!.AsObject();
        Assert.Equal(WorkflowKeys.Workflow.Select(k => k.Name), properties.Select(p => p.Key));
        Assert.False(schema["properties"]!["workflows"]!["items"]!["additionalProperties"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("workflows: [{name: a, provider: docker}]", false)]
    [InlineData("workflows: [{name: a, provider: docker, image: x}]", true)]
    [InlineData("workflows: [{name: a, provider: code, ports: 1}]", false)]
    [InlineData("workflows: [{name: a, provider: bash, commands: [x], resources: {gpu: 'A100:80GB:2'}}]", true)]
    [InlineData("workflows: [{name: a, provider: bash, commands: [x], resources: {gpu: 'A100:80XB'}}]", false)]
    [InlineData("workflows: [{name: a, provider: bash, commands: ['${{ run.oops }}']}]", false)]
    public void Schema_ProviderRulesAndPatterns_AreEnforced(string yaml, bool valid)
    {
        Assert.Equal(valid, SchemaValidator.IsValid(yaml));
    }
}
