namespace Dstack.TemporalServer.WebUi;

/// <summary>Endpoint metadata: the endpoint is served on the web UI's listener, and only there.</summary>
internal sealed class WebUiEndpointMetadata
{
    private WebUiEndpointMetadata()
    {
    }

    public static WebUiEndpointMetadata Instance { get; } = new();
}
