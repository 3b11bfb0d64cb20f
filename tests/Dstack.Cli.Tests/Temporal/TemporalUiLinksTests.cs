using Dstack.Cli.Temporal;
using Dstack.Core.Settings;

namespace Dstack.Cli.Tests.Temporal;

public sealed class TemporalUiLinksTests : IDisposable
{
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("dstack-ui-links-");

    public void Dispose() => _home.Delete(recursive: true);

    private DstackSettings Settings(string address = "127.0.0.1:7233", string? uiUrl = null, string ns = "default") =>
        new()
        {
            Home = _home.FullName,
            ConfigFile = Path.Combine(_home.FullName, "config.yml"),
            Storage = new StorageSettings { Path = Path.Combine(_home.FullName, "storage") },
            Temporal = new TemporalSettings(address, ns, "dstack", uiUrl),
        };

    [Fact]
    public void RunPage_LocalServerRecorded_LinksItsUi()
    {
        new LocalServerRecord(Environment.ProcessId, "127.0.0.1:7233", "http://127.0.0.1:8233").Write(_home.FullName);

        Assert.Equal("http://127.0.0.1:8233/namespaces/default/workflows/wise-deer-75", TemporalUiLinks.RunPage(Settings(), "wise-deer-75"));
        Assert.Equal("http://127.0.0.1:8233/namespaces/default/workflows/x", TemporalUiLinks.RunPage(Settings("localhost:7233"), "x"));
    }

    [Fact]
    public void RunPage_ServerAtAnotherAddress_NoLink()
    {
        new LocalServerRecord(Environment.ProcessId, "127.0.0.1:7300", "http://127.0.0.1:8300").Write(_home.FullName);

        Assert.Null(TemporalUiLinks.RunPage(Settings(), "x"));
    }

    [Fact]
    public void RunPage_NoServerRecordedOrHeadless_NoLink()
    {
        Assert.Null(TemporalUiLinks.RunPage(Settings(), "x"));

        new LocalServerRecord(Environment.ProcessId, "127.0.0.1:7233", null).Write(_home.FullName);
        Assert.Null(TemporalUiLinks.RunPage(Settings(), "x"));
    }

    [Fact]
    public void RunPage_UiUrlConfigured_WinsAndEscapesNamespaceAndRun()
    {
        new LocalServerRecord(Environment.ProcessId, "127.0.0.1:7233", "http://127.0.0.1:8233").Write(_home.FullName);

        Assert.Equal(
            "http://localhost:8080/namespaces/team%20a/workflows/run%2F1",
            TemporalUiLinks.RunPage(Settings(uiUrl: "http://localhost:8080/", ns: "team a"), "run/1"));
    }

    [Fact]
    public void Remove_OnlyTheRecordOfThisProcess()
    {
        new LocalServerRecord(12345, "127.0.0.1:7233", "http://127.0.0.1:8233").Write(_home.FullName);

        LocalServerRecord.Remove(_home.FullName, 54321);
        Assert.NotNull(LocalServerRecord.Read(_home.FullName));

        LocalServerRecord.Remove(_home.FullName, 12345);
        Assert.Null(LocalServerRecord.Read(_home.FullName));
    }
}
