using System.Net;
using System.Text;
using System.Text.Json;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;

namespace Dstack.TemporalServer.Tests.WebUi;

/// <summary>
/// The official UI server's CSRF protection (Echo's middleware): a readable <c>_csrf</c> cookie on every answer, and
/// writes refused unless the <c>X-CSRF-Token</c> header repeats it (400 when missing, 403 when different).
/// </summary>
public sealed class WebUiCsrfTests(WebUiServerFixture fixture) : IClassFixture<WebUiServerFixture>
{
    private static readonly Uri Terminate = new("/api/v1/namespaces/default/workflows/csrf-test/terminate", UriKind.Relative);

    [WebUiFact]
    public async Task GetPage_SetsAScriptReadableStrictSameSiteCookie()
    {
        using var page = await fixture.Browser.GetAsync(new Uri("/", UriKind.Relative));

        var cookie = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("_csrf=", StringComparison.Ordinal));
        var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Equal(32, cookie.Split(';')[0].Length - "_csrf=".Length);
        Assert.Contains("path=/", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.DoesNotContain("httponly", attributes);
        Assert.Contains(attributes, a => a.StartsWith("expires=", StringComparison.Ordinal));
    }

    [WebUiFact]
    public async Task GetPage_WithCookie_KeepsItsToken()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
        request.Headers.Add("Cookie", "_csrf=kept-token");

        using var page = await fixture.Browser.SendAsync(request);

        Assert.Contains(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("_csrf=kept-token;", StringComparison.Ordinal));
    }

    [WebUiFact]
    public async Task Post_WithoutHeader_RefusedAsBadRequest()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Terminate) { Content = new StringContent("{}") };
        request.Headers.Add("Cookie", "_csrf=some-token");

        using var response = await fixture.Browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("missing csrf token in request header", await MessageAsync(response));
    }

    [WebUiFact]
    public async Task Post_WithAnotherToken_Forbidden()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Terminate) { Content = new StringContent("{}") };
        request.Headers.Add("Cookie", "_csrf=some-token");
        request.Headers.Add("X-CSRF-Token", "another-token");

        using var response = await fixture.Browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("invalid csrf token", await MessageAsync(response));
    }

    [WebUiFact]
    public async Task Post_WithoutCookie_Forbidden()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Terminate) { Content = new StringContent("{}") };
        request.Headers.Add("X-CSRF-Token", "a-token-no-cookie-carries");

        using var response = await fixture.Browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [WebUiFact]
    public async Task Post_WithTheCookiesToken_ReachesTheApiAndTerminates()
    {
        var client = await TemporalClient.ConnectAsync(new(fixture.Server.Address));
        var id = $"csrf-{Guid.NewGuid()}";
        var handle = await client.StartWorkflowAsync("NeverPolled", [], new(id, $"tq-{Guid.NewGuid()}"));
        using var page = await fixture.Browser.GetAsync(new Uri("/", UriKind.Relative));
        var pair = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("_csrf=", StringComparison.Ordinal)).Split(';')[0];
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/namespaces/default/workflows/{id}/terminate", UriKind.Relative))
        {
            Content = new StringContent("{\"reason\":\"from the web UI\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Cookie", pair);
        request.Headers.Add("X-CSRF-Token", pair["_csrf=".Length..]);

        using var response = await fixture.Browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var described = await handle.DescribeAsync();
        Assert.Equal(WorkflowExecutionStatus.Terminated, described.Status);
    }

    private static async Task<string?> MessageAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("message").GetString();
    }
}
