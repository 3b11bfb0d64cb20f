namespace Dstack.TemporalServer.WebUi;

/// <summary>
/// Set on every connection the web UI's listener accepts. It tells the two listeners apart whatever their ports (0
/// picks one at bind time), so each serves only its own endpoints: gRPC on one, the UI and its HTTP API on the other.
/// </summary>
internal sealed class WebUiConnectionFeature
{
    private WebUiConnectionFeature()
    {
    }

    public static WebUiConnectionFeature Instance { get; } = new();
}
