using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Hosting;

/// <summary>Settings of the embedded server. The defaults are real Temporal's.</summary>
public sealed class TemporalServerOptions
{
    /// <summary>Gets the namespaces that exist. Calls naming another one fail as on a real server.</summary>
    /// <value>The default value is <c>default</c>.</value>
    public IList<string> Namespaces { get; } = ["default"];

    /// <summary>
    /// Gets the key-value data of every namespace (<c>NamespaceInfo.Data</c> in <c>DescribeNamespace</c> and
    /// <c>ListNamespaces</c>), as real Temporal keeps what <c>RegisterNamespace</c> or <c>UpdateNamespace</c> set
    /// (<c>temporal operator namespace create --data KEY=VALUE</c>). A host tells its clients about itself here.
    /// </summary>
    public IDictionary<string, string> NamespaceData { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets custom search attributes registered at start in every namespace.</summary>
    public IDictionary<string, IndexedValueType> SearchAttributes { get; } = new Dictionary<string, IndexedValueType>(StringComparer.Ordinal);

    /// <summary>Gets or sets the SQLite file that keeps the server's state across restarts, as <c>--db-filename</c> of the Temporal CLI.</summary>
    /// <value>The default value is null: state is kept in memory only.</value>
    public string? DatabasePath { get; set; }

    /// <summary>
    /// Gets or sets the port of the HTTP API (Temporal's grpc-gateway JSON API, which the Web UI calls), as
    /// <c>--http-port</c> of the Temporal CLI. It listens on the gRPC address's IP; 0 picks a free port.
    /// </summary>
    /// <value>The default value is null: no HTTP API.</value>
    public int? HttpPort { get; set; }

    /// <summary>Gets or sets how long closed workflows are kept.</summary>
    /// <value>The default value is 7 days.</value>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Gets or sets the longest a task poll waits before answering "no task".</summary>
    /// <value>The default value is 60 seconds, real Temporal's.</value>
    public TimeSpan LongPollTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets the longest a history long poll (a client waiting for a result) waits.</summary>
    /// <value>The default value is 20 seconds, real Temporal's.</value>
    public TimeSpan HistoryLongPollTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Gets or sets the largest payload accepted.</summary>
    /// <value>The default value is 2 MiB, real Temporal's.</value>
    public int BlobSizeLimit { get; set; } = 2 * 1024 * 1024;

    /// <summary>
    /// Gets or sets the history length (events) from which a workflow task tells the workflow to continue as new, as real
    /// Temporal's <c>limit.historyCount.suggestContinueAsNew</c>.
    /// </summary>
    /// <value>The default value is 4,096 events, real Temporal's.</value>
    public int SuggestContinueAsNewAfterEvents { get; set; } = 4 * 1024;

    /// <summary>
    /// Gets or sets the history size from which a workflow task tells the workflow to continue as new, as real Temporal's
    /// <c>limit.historySize.suggestContinueAsNew</c>.
    /// </summary>
    /// <value>The default value is 4 MiB, real Temporal's.</value>
    public long SuggestContinueAsNewAfterBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Gets or sets the port of the Temporal Web UI and of its HTTP API (<c>/api/v1</c>), an HTTP/1.1 listener of its own
    /// as <c>--ui-port</c> of the Temporal CLI; 0 picks a free port.
    /// </summary>
    /// <value>The default value is null: no web UI (headless).</value>
    public int? UiPort { get; set; }

    /// <summary>
    /// Gets or sets the key every call must present: gRPC calls as the <c>authorization: Bearer KEY</c> metadata (what the
    /// Temporal SDKs send for their <c>ApiKey</c> option), HTTP API calls as the <c>Authorization: Bearer KEY</c> header or
    /// the web UI's session cookie. Calls without it, or with another key, fail with <c>Unauthenticated</c> (HTTP 401). The
    /// web UI admits a browser that opened a one-time link of <see cref="EmbeddedTemporalServer.CreateUiLoginUrl"/> (or of
    /// <see cref="WebUi.UiLoginToken.CreateUrl"/> with this key). The gRPC health check and <c>GetSystemInfo</c> stay open,
    /// as with real Temporal. The key is printable ASCII without spaces, as a header value carries it unchanged.
    /// </summary>
    /// <value>The default value is null: every caller is admitted, as by the Temporal CLI's dev server.</value>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Gets or sets where the web UI's sign-in page (what a browser without a session gets, with <see cref="ApiKey"/> set)
    /// says a new login link comes from: a host that mints links on request names its command here.
    /// </summary>
    /// <value>The default value is null: the link the server printed when it started.</value>
    public string? UiLoginHint { get; set; }

    /// <summary>Gets or sets the TLS of the gRPC listener and of the HTTP API's (the web UI's listener stays plain HTTP).</summary>
    /// <value>The default value is null: no TLS, as the Temporal CLI's dev server.</value>
    public TemporalServerTls? Tls { get; set; }

    /// <summary>Gets or sets the clock of an embedded server; tests move it to check what the server does with time that passed while it was down.</summary>
    /// <value>The default value is null: the system clock, unless the host registered a <see cref="System.TimeProvider"/>.</value>
    internal TimeProvider? TimeProvider { get; set; }

    /// <summary>Gets or sets the IP address the web UI listens on, as <c>--ui-ip</c> of the Temporal CLI.</summary>
    /// <value>The default value is <c>127.0.0.1</c>.</value>
    public string UiIp { get; set; } = "127.0.0.1";
}
