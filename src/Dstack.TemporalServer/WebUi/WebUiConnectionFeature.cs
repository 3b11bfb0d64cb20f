namespace Dstack.TemporalServer.WebUi;

/// <summary>
/// Set on every connection the web UI's listener accepts. It tells the listeners apart whatever their ports (0 picks one
/// at bind time), so that the UI's requests never reach the gRPC endpoints and gRPC's never reach the UI.
/// </summary>
internal sealed class WebUiConnectionFeature
{
    private WebUiConnectionFeature()
    {
    }

    public static WebUiConnectionFeature Instance { get; } = new();
}
