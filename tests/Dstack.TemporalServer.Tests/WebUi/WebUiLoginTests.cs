using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Dstack.TemporalServer.Hosting;
using Dstack.TemporalServer.WebUi;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace Dstack.TemporalServer.Tests.WebUi;

/// <summary>
/// The web UI of a server with an API key: only a browser that opened a one-time login link gets in, through an HttpOnly
/// session cookie; everything else answers 401. The CSRF check still guards writes made with the cookie.
/// </summary>
public sealed class WebUiLoginTests : IAsyncLifetime
{
    private readonly string _key = $"key-{Guid.NewGuid():N}";
    private readonly WebUiServerFixture _ui;

    public WebUiLoginTests()
    {
        _ui = new WebUiServerFixture(options =>
        {
            options.UiPort = 0;
            options.HttpPort = 0;
            options.ApiKey = _key;
        });
    }

    private EmbeddedTemporalServer Server => _ui.Server;

    private HttpClient Browser => _ui.Browser;

    public Task InitializeAsync() => _ui.InitializeAsync();

    public Task DisposeAsync() => _ui.DisposeAsync();

    [WebUiFact]
    public async Task Page_WithoutCookie_401WithWhereToGetALink()
    {
        using var page = await Browser.GetAsync(new Uri("/namespaces/default/workflows", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("open the link that the server printed when it started", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [WebUiFact]
    public async Task Page_WithoutCookie_NamesWhereTheHostSaysLinksComeFrom()
    {
        var ui = new WebUiServerFixture(options => (options.UiPort, options.ApiKey, options.UiLoginHint) = (0, _key, "Run `mytool status` for a <new> link."));
        await ui.InitializeAsync();
        try
        {
            using var page = await ui.Browser.GetAsync(new Uri("/namespaces/default/workflows", UriKind.Relative));

            Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("Run `mytool status` for a &lt;new&gt; link.", html, StringComparison.Ordinal);
            Assert.DoesNotContain("printed when it started", html, StringComparison.Ordinal);
        }
        finally
        {
            await ui.DisposeAsync();
        }
    }

    [WebUiFact]
    public async Task UiApi_WithoutCookie_401Json()
    {
        using var response = await Browser.GetAsync(new Uri("/api/v1/namespaces/default", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"code\":16", (await response.Content.ReadAsStringAsync()).Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [WebUiFact]
    public async Task LoginUrl_SetsHttpOnlyStrictCookieAndRedirectsWithoutTheToken()
    {
        var login = UiLoginToken.CreateUrl(new Uri(Server.UiAddress!, "/namespaces/default/workflows?query=x"), _key, DateTimeOffset.UtcNow);
        Assert.Contains("token=", login.Query, StringComparison.Ordinal);

        using var response = await Browser.GetAsync(login);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/namespaces/default/workflows", response.Headers.Location?.OriginalString.Split('?')[0]);
        Assert.DoesNotContain("token", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain(_key, cookie, StringComparison.Ordinal);
    }

    [WebUiFact]
    public async Task CreateUiLoginUrl_MakesAFreshLinkEachTimeThatOpensOnce()
    {
        var first = Server.CreateUiLoginUrl()!;
        var second = Server.CreateUiLoginUrl()!;

        using var firstOpened = await Browser.GetAsync(first);
        using var secondOpened = await Browser.GetAsync(second);
        using var firstAgain = await Browser.GetAsync(first);

        Assert.NotEqual(first, second);
        Assert.Equal(Server.UiAddress!.GetLeftPart(UriPartial.Path), first.GetLeftPart(UriPartial.Path));
        Assert.Equal(HttpStatusCode.Redirect, firstOpened.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, secondOpened.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, firstAgain.StatusCode);
    }

    [WebUiFact]
    public async Task LoginUrl_KeepsTheOtherQueryParameters()
    {
        var login = UiLoginToken.CreateUrl(Server.UiAddress!, _key, DateTimeOffset.UtcNow);
        var withQuery = new Uri($"{Server.UiAddress}namespaces/default/workflows?query=WorkflowType%3D%22x%22&{login.Query.TrimStart('?')}");

        using var response = await Browser.GetAsync(withQuery);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/namespaces/default/workflows?query=WorkflowType%3D%22x%22", response.Headers.Location?.OriginalString);
    }

    [WebUiFact]
    public async Task LoginUrl_SecondTime_Refused()
    {
        var login = UiLoginToken.CreateUrl(Server.UiAddress!, _key, DateTimeOffset.UtcNow);
        using var first = await Browser.GetAsync(login);

        using var second = await Browser.GetAsync(login);

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.False(second.Headers.Contains("Set-Cookie"));
    }

    [WebUiFact]
    public async Task LoginUrl_SecondTimeWithTheSessionCookie_RedirectsWithoutANewSession()
    {
        var login = Server.CreateUiLoginUrl()!;
        using var first = await Browser.GetAsync(login);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie")).Split(';')[0];

        using var again = await GetAsync(login.PathAndQuery, cookie);

        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal("/", again.Headers.Location?.OriginalString);
        Assert.False(again.Headers.Contains("Set-Cookie"));
    }

    [WebUiFact]
    public async Task LoginUrl_TamperedToken_Refused()
    {
        var token = UiLoginToken.Create(_key, DateTimeOffset.UtcNow);
        var tampered = token[..5] + (token[5] == 'A' ? 'B' : 'A') + token[6..];

        using var response = await Browser.GetAsync(new Uri($"/?token={tampered}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [WebUiFact]
    public async Task LoginUrl_ExpiredToken_Refused()
    {
        var login = UiLoginToken.CreateUrl(Server.UiAddress!, _key, DateTimeOffset.UtcNow - UiLoginToken.Lifetime - TimeSpan.FromSeconds(5));

        using var response = await Browser.GetAsync(login);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [WebUiFact]
    public async Task LoginUrl_MadeWithAnotherKey_Refused()
    {
        var login = UiLoginToken.CreateUrl(Server.UiAddress!, "another-key", DateTimeOffset.UtcNow);

        using var response = await Browser.GetAsync(login);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [WebUiFact]
    public async Task Cookie_LoadsPagesAndTheApi()
    {
        var cookie = await LogInAsync();

        using var page = await GetAsync("/namespaces/default/workflows", cookie);
        using var settings = await GetAsync("/api/v1/settings", cookie);
        using var api = await GetAsync("/api/v1/namespaces/default", cookie);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Contains("NAMESPACE_STATE_REGISTERED", await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [WebUiFact]
    public async Task Cookie_OnTheHttpApiPort_AdmitsReadsButNotWrites()
    {
        var cookie = await LogInAsync();
        using var http = new HttpClient(new SocketsHttpHandler { UseCookies = false });
        using var read = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{Server.HttpAddress}/api/v1/namespaces/default"));
        read.Headers.Add("Cookie", cookie);
        using var write = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://{Server.HttpAddress}/api/v1/namespaces/default/workflows/cookie-write/terminate"))
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        write.Headers.Add("Cookie", cookie);

        using var admitted = await http.SendAsync(read);
        using var refused = await http.SendAsync(write);

        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [WebUiFact]
    public async Task UnknownSessionCookie_401()
    {
        using var page = await GetAsync("/", $"{(await LogInAsync()).Split('=')[0]}=forged-session");

        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
    }

    [WebUiFact]
    public async Task Bearer_OpensTheUiApi_WrongBearerRefusedEvenWithCookie()
    {
        var cookie = await LogInAsync();
        using var withKey = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/namespaces/default", UriKind.Relative));
        withKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        using var withWrongKey = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/namespaces/default", UriKind.Relative));
        withWrongKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        withWrongKey.Headers.Add("Cookie", cookie);

        using var admitted = await Browser.SendAsync(withKey);
        using var refused = await Browser.SendAsync(withWrongKey);

        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [WebUiFact]
    public async Task CookieWrite_StillNeedsTheCsrfHeader()
    {
        var session = await LogInAsync();
        var client = await TemporalClient.ConnectAsync(new(Server.Address) { ApiKey = _key, Tls = new TlsOptions { Disabled = true } });
        var id = $"login-{Guid.NewGuid()}";
        var handle = await client.StartWorkflowAsync("NeverPolled", [], new(id, $"tq-{Guid.NewGuid()}"));
        using var page = await GetAsync("/", session);
        var csrf = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("_csrf=", StringComparison.Ordinal)).Split(';')[0];
        var terminate = new Uri($"/api/v1/namespaces/default/workflows/{id}/terminate", UriKind.Relative);

        using var withoutHeader = new HttpRequestMessage(HttpMethod.Post, terminate) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        withoutHeader.Headers.Add("Cookie", $"{session}; {csrf}");
        using var refused = await Browser.SendAsync(withoutHeader);
        using var withHeader = new HttpRequestMessage(HttpMethod.Post, terminate) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        withHeader.Headers.Add("Cookie", $"{session}; {csrf}");
        withHeader.Headers.Add("X-CSRF-Token", csrf["_csrf=".Length..]);
        using var admitted = await Browser.SendAsync(withHeader);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(WorkflowExecutionStatus.Terminated, (await handle.DescribeAsync()).Status);
    }

    /// <summary>Opens a login link as the browser would and returns the session cookie it got, as <c>name=value</c>.</summary>
    private async Task<string> LogInAsync()
    {
        using var response = await Browser.GetAsync(UiLoginToken.CreateUrl(Server.UiAddress!, _key, DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("Set-Cookie")).Split(';')[0];
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("Cookie", cookie);
        return await Browser.SendAsync(request);
    }
}
