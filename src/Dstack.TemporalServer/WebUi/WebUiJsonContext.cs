using System.Text.Json.Serialization;

namespace Dstack.TemporalServer.WebUi;

/// <summary>Source-generated JSON for the UI server's own answers; names as declared (PascalCase, like Go's encoding/json).</summary>
[JsonSerializable(typeof(WebUiSettings))]
[JsonSerializable(typeof(WebUiError))]
internal sealed partial class WebUiJsonContext : JsonSerializerContext;
