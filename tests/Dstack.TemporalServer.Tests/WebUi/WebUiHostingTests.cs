using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dstack.TemporalServer.Tests.WebUi;

/// <summary>The web UI's listener: the app's files, client-side routes, the settings the UI asks for, and the two ports kept apart.</summary>
public sealed partial class WebUiHostingTests(WebUiServerFixture fixture) : IClassFixture<WebUiServerFixture>
{
    [WebUiFact]
    public async Task Get_Root_ServesTheAppPage()
    {
        using var response = await fixture.Browser.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache, "the page names this build's hashed files, so browsers must revalidate it");
        Assert.Matches(EntryScript(), await response.Content.ReadAsStringAsync());
    }

    [WebUiFact]
    public void CreateUiLoginUrl_WithoutApiKey_IsTheUiAddress() => Assert.Equal(fixture.Server.UiAddress, fixture.Server.CreateUiLoginUrl());

    [WebUiFact]
    public async Task Get_DeepLink_ServesTheSamePageForTheClientRouter()
    {
        var root = await fixture.Browser.GetStringAsync(new Uri("/", UriKind.Relative));

        using var response = await fixture.Browser.GetAsync(new Uri("/namespaces/default/workflows/x/y", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(root, await response.Content.ReadAsStringAsync());
    }

    [WebUiFact]
    public async Task Get_HashedAsset_ServedWithAYearLongImmutableCache()
    {
        var page = await fixture.Browser.GetStringAsync(new Uri("/", UriKind.Relative));
        var asset = EntryScript().Match(page).Value;

        using var response = await fixture.Browser.GetAsync(new Uri(asset, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl?.MaxAge);
        Assert.Contains(response.Headers.CacheControl!.Extensions, e => e.Name == "immutable");
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [WebUiFact]
    public async Task Get_MissingAssetOrApiRoute_NotFoundRatherThanThePage()
    {
        using var asset = await fixture.Browser.GetAsync(new Uri("/_app/immutable/chunks/missing.js", UriKind.Relative));
        using var api = await fixture.Browser.GetAsync(new Uri("/api/v2/settings", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, asset.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
    }

    [WebUiFact]
    public async Task GetApi_ServesTemporalsHttpApiUnderApiV1Only()
    {
        using var list = await fixture.Browser.GetAsync(new Uri("/api/v1/namespaces/default/workflows?query=", UriKind.Relative));
        using var unknown = await fixture.Browser.GetAsync(new Uri("/api/v1/no-such-route", UriKind.Relative));
        using var withoutPrefix = await fixture.Browser.GetAsync(new Uri("/namespaces/default/workflows", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("application/json", list.Content.Headers.ContentType?.MediaType);
        using (var json = JsonDocument.Parse(await list.Content.ReadAsStringAsync()))
        {
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        }

        // grpc-gateway's answer to a route it does not have: NotFound (code 5) as a 404.
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var json = JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()))
        {
            Assert.Equal(5, json.RootElement.GetProperty("code").GetInt32());
        }

        // Without the prefix the path is one of the UI's own pages, not the API.
        Assert.Equal("text/html", withoutPrefix.Content.Headers.ContentType?.MediaType);
    }

    [WebUiFact]
    public async Task GetSettings_AnswersTheUiServersFieldsInItsGoNames()
    {
        using var response = await fixture.Browser.GetAsync(new Uri("/api/v1/settings", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var settings = json.RootElement;
        Assert.False(settings.GetProperty("Auth").GetProperty("Enabled").GetBoolean());
        Assert.Equal("default", settings.GetProperty("DefaultNamespace").GetString());
        Assert.Equal(string.Empty, settings.GetProperty("Codec").GetProperty("Endpoint").GetString());
        Assert.False(settings.GetProperty("Codec").GetProperty("PassAccessToken").GetBoolean());
        Assert.False(settings.GetProperty("ShowTemporalSystemNamespace").GetBoolean());
        Assert.False(settings.GetProperty("NotifyOnNewVersion").GetBoolean());
        Assert.False(settings.GetProperty("DisableWriteActions").GetBoolean());
        foreach (var action in new[] { "Terminate", "Cancel", "Signal", "Update", "Reset" })
        {
            Assert.False(settings.GetProperty($"Workflow{action}Disabled").GetBoolean(), action);
        }

        Assert.False(settings.GetProperty("HideWorkflowQueryErrors").GetBoolean());
        Assert.True(settings.TryGetProperty("FeedbackURL", out _));

        // Below 2.23.0 the UI encodes workflow IDs in its URLs twice.
        Assert.True(Version.Parse(settings.GetProperty("Version").GetString()!) >= new Version(2, 23, 0));
    }

    [WebUiFact]
    public async Task GrpcPort_ServesNeitherThePageNorTheSettings()
    {
        using var grpcPort = new HttpClient
        {
            BaseAddress = new Uri($"http://{fixture.Server.Address}/"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var page = await grpcPort.GetAsync(new Uri("/namespaces/default/workflows", UriKind.Relative));
        using var settings = await grpcPort.GetAsync(new Uri("/api/v1/settings", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, settings.StatusCode);
    }

    [WebUiFact]
    public async Task UiPort_DoesNotServeGrpc()
    {
        var (cookie, token) = await CsrfTokenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo", UriKind.Relative))
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]) { Headers = { ContentType = new MediaTypeHeaderValue("application/grpc") } },
        };
        request.Headers.Add("Cookie", cookie);
        request.Headers.Add("X-CSRF-Token", token);

        using var response = await fixture.Browser.SendAsync(request);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("grpc-status") || response.TrailingHeaders.Contains("grpc-status"));
    }

    private async Task<(string Cookie, string Token)> CsrfTokenAsync()
    {
        using var page = await fixture.Browser.GetAsync(new Uri("/", UriKind.Relative));
        var setCookie = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("_csrf=", StringComparison.Ordinal));
        var pair = setCookie.Split(';')[0];
        return (pair, pair["_csrf=".Length..]);
    }

    // The app is built as one script (svelte.config.js: bundleStrategy single), named by its content hash.
    [GeneratedRegex(@"/_app/immutable/bundle\.[\w-]+\.js")]
    private static partial Regex EntryScript();
}
