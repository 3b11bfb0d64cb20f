using System.Text.Json.Serialization;

namespace Dstack.TemporalServer.WebUi;

/// <summary>
/// What <c>GET /api/v1/settings</c> answers: the official UI server's SettingsResponse (temporalio/ui-server), field for
/// field, in its order and with its Go names, which the UI reads. The defaults are those of <c>temporal server start-dev</c>.
/// </summary>
internal sealed record WebUiSettings
{
    public WebUiAuthSettings Auth { get; init; } = new(Enabled: false, Options: null);

    public string BannerText { get; init; } = string.Empty;

    public string DefaultNamespace { get; init; } = "default";

    public bool ShowTemporalSystemNamespace { get; init; }

    [JsonPropertyName("FeedbackURL")]
    public string FeedbackAddress { get; init; } = string.Empty;

    public bool NotifyOnNewVersion { get; init; }

    public WebUiCodecSettings Codec { get; init; } = new(string.Empty, PassAccessToken: false, IncludeCredentials: false, string.Empty, string.Empty);

    /// <summary>Gets the UI's version; below 2.23.0 the UI encodes workflow IDs in its URLs twice.</summary>
    public required string Version { get; init; }

    public bool DisableWriteActions { get; init; }

    public bool WorkflowTerminateDisabled { get; init; }

    public bool WorkflowCancelDisabled { get; init; }

    public bool WorkflowSignalDisabled { get; init; }

    public bool WorkflowUpdateDisabled { get; init; }

    public bool WorkflowResetDisabled { get; init; }

    public bool BatchActionsDisabled { get; init; }

    public bool StartWorkflowDisabled { get; init; }

    public bool HideWorkflowQueryErrors { get; init; }

    public bool RefreshWorkflowCountsDisabled { get; init; }
}
