using System.Text.Json.Serialization;

namespace Dstack.TemporalServer.WebUi;

/// <summary>The body of the official UI server's own errors (Echo's HTTPError), such as a refused CSRF check.</summary>
internal sealed record WebUiError([property: JsonPropertyName("message")] string Message);
