using System.Net;
using Dstack.Cli.Temporal;
using Dstack.Core.Settings;
using Dstack.TemporalServer.Hosting;

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

        Assert.Equal("http://127.0.0.1:8233/namespaces/default/workflows/wise-deer-75", TemporalUiLinks.RunPage(Settings(), "wise-deer-75", DateTimeOffset.UtcNow));
        Assert.Equal("http://127.0.0.1:8233/namespaces/default/workflows/x", TemporalUiLinks.RunPage(Settings("localhost:7233"), "x", DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task RunPage_OwnRunningServer_LinkOpensTheRunPageOnceInAFreshBrowser()
    {
        var key = ServerKey.LoadOrCreate(_home.FullName);
        var server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options => (options.ApiKey, options.UiPort) = (key, 0));
        await using var serverScope = server;
        Assert.True(server.UiAddress is not null, "this build of the server has no Web UI (Node.js and npm are needed to build it)");
        using var process = new RecordedServerProcess();
        var ui = server.UiAddress.ToString().TrimEnd('/');
        new LocalServerRecord(process.Id, server.Address, ui).Write(_home.FullName);

        var link = TemporalUiLinks.RunPage(Settings(server.Address, ns: "team a"), "wise-deer-75", DateTimeOffset.UtcNow);

        Assert.StartsWith($"{ui}/namespaces/team%20a/workflows/wise-deer-75?token=", link, StringComparison.Ordinal);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var first = await browser.GetAsync(new Uri(link!));
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/namespaces/team%20a/workflows/wise-deer-75", first.Headers.Location?.OriginalString);
        Assert.Contains(first.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("dstack-temporal-session-", StringComparison.Ordinal));

        // Once only: another browser that gets the same link is not let in.
        using var again = await browser.GetAsync(new Uri(link!));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);

        // Each link is a new one.
        Assert.NotEqual(link, TemporalUiLinks.RunPage(Settings(server.Address, ns: "team a"), "wise-deer-75", DateTimeOffset.UtcNow));
    }

    [Fact]
    public void RunPage_ServerAtAnotherAddress_NoLink()
    {
        new LocalServerRecord(Environment.ProcessId, "127.0.0.1:7300", "http://127.0.0.1:8300").Write(_home.FullName);

        Assert.Null(TemporalUiLinks.RunPage(Settings(), "x", DateTimeOffset.UtcNow));
    }

    [Fact]
    public void RunPage_NoServerRecordedOrHeadless_NoLink()
    {
        Assert.Null(TemporalUiLinks.RunPage(Settings(), "x", DateTimeOffset.UtcNow));

        new LocalServerRecord(Environment.ProcessId, "127.0.0.1:7233", null).Write(_home.FullName);
        Assert.Null(TemporalUiLinks.RunPage(Settings(), "x", DateTimeOffset.UtcNow));
    }

    [Fact]
    public void RunPage_UiUrlConfigured_WinsAndEscapesNamespaceAndRun()
    {
        new LocalServerRecord(Environment.ProcessId, "127.0.0.1:7233", "http://127.0.0.1:8233").Write(_home.FullName);

        Assert.Equal(
            "http://localhost:8080/namespaces/team%20a/workflows/run%2F1",
            TemporalUiLinks.RunPage(Settings(uiUrl: "http://localhost:8080/", ns: "team a"), "run/1", DateTimeOffset.UtcNow));
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
