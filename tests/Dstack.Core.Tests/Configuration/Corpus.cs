using Dstack.Core.Configuration;

namespace Dstack.Core.Tests.Configuration;

/// <summary>The corpus files copied next to the test assembly.</summary>
internal static class Corpus
{
    public const string MainFile = ".dstack/workflows.yaml";

    public static string Folder(string kind) => Path.Combine(AppContext.BaseDirectory, "Corpus", kind);

    public static TheoryData<string> Names(string kind)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Folder(kind), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    public static string Text(string kind, string name) => File.ReadAllText(Path.Combine(Folder(kind), name));

    public static IReadOnlyList<WorkflowSpec> ParseValid(string name) =>
        WorkflowLoader.Parse([new WorkflowSource(MainFile, Text("valid", name))]);

    public static WorkflowSpec Single(string name, string workflow) =>
        ParseValid(name).Single(w => w.Name == workflow);
}
