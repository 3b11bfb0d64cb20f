namespace Dstack.TemporalServer.WebUi;

/// <summary>The settings' <c>Codec</c>: a remote payload codec the browser calls to decode payloads (none here).</summary>
internal sealed record WebUiCodecSettings(
    string Endpoint,
    bool PassAccessToken,
    bool IncludeCredentials,
    string DefaultErrorMessage,
    string DefaultErrorLink);
