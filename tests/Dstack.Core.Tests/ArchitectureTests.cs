using System.Xml.Linq;

namespace Dstack.Core.Tests;

/// <summary>
/// The dependency rules of docs/architecture.md, read from the project files themselves: what each product project may
/// reference and which outside packages it may use, and that none references an executable (the composition lives in
/// Dstack.Composition, the server in the Dstack.TemporalServer library). Tests and benchmarks may reference the
/// executables they launch.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>Each product project: the dstack projects it may reference, and the outside packages it may use.</summary>
    private static readonly Dictionary<string, (string[] Projects, string[] Packages)> Rules = new(StringComparer.Ordinal)
    {
        ["Dstack.Core"] = ([], ["YamlDotNet", "Blake3"]),
        ["Dstack.Workflows"] = (["Dstack.Core"], ["Temporalio"]),
        ["Dstack.Backends.Local"] = (["Dstack.Core"], ["Microsoft.Extensions.DependencyInjection.Abstractions"]),
        ["Dstack.Backends.Ssh"] = (["Dstack.Core"], ["SSH.NET", "Polly.Core", "Microsoft.Extensions.DependencyInjection.Abstractions"]),
        ["Dstack.Backends.Aws"] = (["Dstack.Core", "Dstack.Backends.Ssh"], ["AWSSDK.EC2", "AWSSDK.S3", "Polly.Core", "Microsoft.Extensions.DependencyInjection.Abstractions"]),
        ["Dstack.TemporalServer"] = ([], ["Grpc.AspNetCore.Server", "Grpc.AspNetCore.HealthChecks", "Microsoft.Data.Sqlite", "Temporalio", "System.CommandLine"]),
        ["Dstack.TemporalServer.Host"] = (["Dstack.TemporalServer"], []),
        ["Dstack.Composition"] = (["Dstack.Core", "Dstack.Workflows", "Dstack.Backends.Local", "Dstack.Backends.Ssh", "Dstack.Backends.Aws"], ["Microsoft.Extensions.Hosting", "Temporalio.Extensions.Hosting"]),
        ["Dstack.Worker"] = (["Dstack.Composition"], []),
        ["Dstack.Cli"] = (["Dstack.Core", "Dstack.Workflows", "Dstack.TemporalServer", "Dstack.Composition"], ["Spectre.Console", "System.CommandLine", "Polly.Core"]),
    };

    private static readonly string Root = FindRoot();

    public static TheoryData<string> ProductProjects() => [.. Rules.Keys];

    [Fact]
    public void EveryProductProject_HasARule()
    {
        var found = ProjectFiles("src").Concat(ProjectFiles("workers")).Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        Assert.Equal(Rules.Keys.Order(StringComparer.Ordinal), found);
    }

    [Theory]
    [MemberData(nameof(ProductProjects))]
    public void ProductProject_ReferencesOnlyWhatItsRuleAllows(string project)
    {
        var (projects, packages) = Rules[project];
        var file = Find(project);
        Assert.Empty(References(file).Select(Path.GetFileNameWithoutExtension).Except(projects));
        Assert.Empty(Packages(file).Except(packages));
    }

    [Theory]
    [MemberData(nameof(ProductProjects))]
    public void ProductProject_ReferencesNoExecutable(string project)
    {
        var executables = References(Find(project)).Where(IsExecutable).Select(Path.GetFileName);
        Assert.Empty(executables);
    }

    [Fact]
    public void Core_UsesNoVendorSdk()
    {
        var vendors = new[] { "AWSSDK", "SSH.NET", "Temporalio", "Grpc", "Google.Protobuf", "Spectre.Console", "Microsoft.Data.Sqlite" };
        var packages = Packages(Find("Dstack.Core"));
        Assert.DoesNotContain(packages, p => vendors.Any(v => p.StartsWith(v, StringComparison.Ordinal)));
    }

    private static bool IsExecutable(string projectFile)
    {
        var project = XDocument.Load(projectFile);
        var outputType = project.Descendants("OutputType").Select(e => e.Value.Trim()).LastOrDefault();
        return outputType is "Exe" or "WinExe" || (outputType is null && project.Root?.Attribute("Sdk")?.Value == "Microsoft.NET.Sdk.Web");
    }

    private static string Find(string project) =>
        ProjectFiles("src").Concat(ProjectFiles("workers")).Single(f => Path.GetFileNameWithoutExtension(f) == project);

    /// <summary>The full paths of the projects that <paramref name="projectFile"/> references.</summary>
    private static IEnumerable<string> References(string projectFile) =>
        XDocument.Load(projectFile).Descendants("ProjectReference")
            .Select(r => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(projectFile)!, r.Attribute("Include")!.Value.Replace('\\', '/'))));

    private static IEnumerable<string> Packages(string projectFile) =>
        XDocument.Load(projectFile).Descendants("PackageReference").Select(p => p.Attribute("Include")!.Value);

    private static IEnumerable<string> ProjectFiles(string folder) =>
        Directory.EnumerateFiles(Path.Combine(Root, folder), "*.csproj", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dstack.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Dstack.sln above {AppContext.BaseDirectory}");
    }
}
