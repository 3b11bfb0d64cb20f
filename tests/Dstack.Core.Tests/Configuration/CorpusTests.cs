using System.Text.RegularExpressions;
using Dstack.Core.Configuration;

namespace Dstack.Core.Tests.Configuration;

/// <summary>
/// Every file of Corpus/valid parses; every file of Corpus/invalid fails with exactly the errors listed in its
/// <c># expect: LINE:COL: key.path: message</c> comments. The JSON Schema agrees, except where an invalid file says
/// <c># schema: accepts (why)</c>.
/// </summary>
public sealed partial class CorpusTests
{
    public static TheoryData<string> ValidFiles => Corpus.Names("valid");

    public static TheoryData<string> InvalidFiles => Corpus.Names("invalid");

    [Fact]
    public void Corpus_HasAtLeastThirtyFilesOfEachKind()
    {
        Assert.True(ValidFiles.Count >= 30, $"{ValidFiles.Count} valid files");
        Assert.True(InvalidFiles.Count >= 30, $"{InvalidFiles.Count} invalid files");
    }

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Parse_ValidFile_Succeeds(string name)
    {
        var workflows = Corpus.ParseValid(name);

        Assert.All(workflows, w => Assert.Equal(Corpus.MainFile, w.Source.File));
    }

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public void Parse_InvalidFile_ReportsExactlyTheExpectedErrors(string name)
    {
        var text = Corpus.Text("invalid", name);
        var expected = ExpectRegex().Matches(text).Select(m => m.Groups[1].Value.TrimEnd('\r')).ToList();
        Assert.NotEmpty(expected);

        var exception = Assert.Throws<ConfigurationException>(() => WorkflowLoader.Parse([new WorkflowSource(Corpus.MainFile, text)]));

        var actual = exception.Errors.Select(e =>
        {
            Assert.Equal(Corpus.MainFile, e.File);
            return e.Path.Length > 0 ? $"{e.Line}:{e.Column}: {e.Path}: {e.Message}" : $"{e.Line}:{e.Column}: {e.Message}";
        }).ToList();
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Schema_ValidFile_Accepts(string name)
    {
        Assert.True(SchemaValidator.IsValid(Corpus.Text("valid", name)));
    }

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public void Schema_InvalidFile_RejectsUnlessMarked(string name)
    {
        var text = Corpus.Text("invalid", name);
        var acceptedOnPurpose = text.Contains("# schema: accepts", StringComparison.Ordinal);
        var notYaml = text.Contains("# schema: not YAML", StringComparison.Ordinal);
        if (notYaml)
        {
            return;
        }

        Assert.Equal(acceptedOnPurpose, SchemaValidator.IsValid(text));
    }

    [GeneratedRegex(@"^# expect: (.*)$", RegexOptions.Multiline)]
    private static partial Regex ExpectRegex();
}
