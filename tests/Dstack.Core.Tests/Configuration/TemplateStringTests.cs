using Dstack.Core.Configuration;

namespace Dstack.Core.Tests.Configuration;

public sealed class TemplateStringTests
{
    [Theory]
    [InlineData("${{ run.name }}", "owl-1")]
    [InlineData("${{run.name}}-${{ run.args }}", "owl-1-a 'b c' 'it'\\''s' ''")]
    [InlineData("no template", "no template")]
    [InlineData("${{ run.name", "${{ run.name")]
    public void Render_ReplacesRunNameAndQuotedArgs(string text, string expected)
    {
        var context = new RunContext("owl-1", ["a", "b c", "it's", string.Empty]);

        Assert.Equal(expected, new TemplateString(text).Render(context));
    }

    [Fact]
    public void Parse_TemplateInMultiLineCommand_PointsAtTheExpression()
    {
        const string yaml = "workflows:\n  - name: t\n    provider: bash\n    commands: |\n      echo a\n      echo \"${{ run.nope }}\"\n";

        var exception = Assert.Throws<ConfigurationException>(() => WorkflowLoader.Parse([new WorkflowSource("w.yaml", yaml)]));

        var error = Assert.Single(exception.Errors);
        Assert.Equal((6, 13), (error.Line, error.Column));
    }
}
