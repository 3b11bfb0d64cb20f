using System.Net;
using Dstack.TemporalServer.Hosting;
using Dstack.TemporalServer.WebUi;

namespace Dstack.TemporalServer.Tests.WebUi;

/// <summary>
/// An embedded server with its web UI on a free port, and a browser-like HTTP/1.1 client for it that keeps no cookies of
/// its own, so each test says which ones it sends. These are tests of this server's UI hosting, not conformance tests.
/// </summary>
public sealed class WebUiServerFixture : IAsyncLifetime
{
    private readonly Action<TemporalServerOptions> _configure;
    private EmbeddedTemporalServer? _server;

    public WebUiServerFixture()
        : this(options => options.UiPort = 0)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WebUiServerFixture"/> class for a server configured otherwise (its UI port among it).</summary>
    internal WebUiServerFixture(Action<TemporalServerOptions> configure)
    {
        _configure = configure;
    }

    public EmbeddedTemporalServer Server => _server ?? throw new InvalidOperationException("The web UI is not part of this build.");

    public HttpClient Browser { get; } = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });

    public async Task InitializeAsync()
    {
        if (!TemporalWebUiExtensions.IsDstackTemporalWebUiIncluded)
        {
            return;
        }

        _server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, _configure);
        Browser.BaseAddress = _server.UiAddress;
        Browser.DefaultRequestVersion = HttpVersion.Version11;
    }

    public async Task DisposeAsync()
    {
        Browser.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
