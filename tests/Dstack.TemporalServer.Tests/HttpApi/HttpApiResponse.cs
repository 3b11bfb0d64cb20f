using System.Net;
using System.Text;
using System.Text.Json;

namespace Dstack.TemporalServer.Tests.HttpApi;

/// <summary>An HTTP API answer: its status and its JSON body, read with System.Text.Json so the tests check the wire format itself.</summary>
public sealed record HttpApiResponse(HttpStatusCode Status, JsonElement Json)
{
    public static async Task<HttpApiResponse> SendAsync(HttpClient http, HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"{method} {path}: {(int)response.StatusCode} {response.Content.Headers.ContentType} {text}");
        return new HttpApiResponse(response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public static Task<HttpApiResponse> GetAsync(HttpClient http, string path) => SendAsync(http, HttpMethod.Get, path);

    public static Task<HttpApiResponse> PostAsync(HttpClient http, string path, string body) => SendAsync(http, HttpMethod.Post, path, body);

    /// <summary>A json/plain payload as proto JSON: base64 metadata values and data.</summary>
    public static string Payload(string value) =>
        $$"""{"metadata":{"encoding":"{{Convert.ToBase64String("json/plain"u8)}}"},"data":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value)))}}"}""";

    /// <summary>Reads a json/plain payload written as proto JSON.</summary>
    public static string PayloadValue(JsonElement payload)
    {
        Assert.Equal("json/plain", Encoding.UTF8.GetString(payload.GetProperty("metadata").GetProperty("encoding").GetBytesFromBase64()));
        return JsonSerializer.Deserialize<string>(payload.GetProperty("data").GetBytesFromBase64())!;
    }

    /// <summary>Asserts a 200 and gives the body.</summary>
    public JsonElement Ok()
    {
        Assert.True(Status == HttpStatusCode.OK, $"expected 200, got {(int)Status}: {Json}");
        return Json;
    }
}
