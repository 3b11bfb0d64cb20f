using Dstack.Core.Settings;

namespace Dstack.Cli.Temporal;

/// <summary>
/// Links into the Temporal Web UI: the one <c>temporal.ui_url</c> names (real Temporal), or else the one the local
/// <c>dstack server</c> at the configured address serves.
/// </summary>
internal static class TemporalUiLinks
{
    /// <summary>Gets the UI's base URL for <paramref name="settings"/>, or null when none is known.</summary>
    public static string? BaseUrl(DstackSettings settings)
    {
        if (settings.Temporal.UiUrl is { } configured)
        {
            return configured.TrimEnd('/');
        }

        return LocalServerRecord.Read(settings.Home) is { UiUrl: { } served } record && SameAddress(record.Address, LocalServerAddress.Resolve(settings))
            ? served.TrimEnd('/')
            : null;
    }

    private static bool SameAddress(string a, string b) =>
        string.Equals(a.Replace("localhost:", "127.0.0.1:", StringComparison.Ordinal), b.Replace("localhost:", "127.0.0.1:", StringComparison.Ordinal), StringComparison.Ordinal);

    /// <summary>Gets the page of the run <paramref name="runName"/> (its latest execution), or null when no UI is known.</summary>
    public static string? RunPage(DstackSettings settings, string runName) =>
        BaseUrl(settings) is { } ui
            ? $"{ui}/namespaces/{Uri.EscapeDataString(settings.Temporal.Namespace)}/workflows/{Uri.EscapeDataString(runName)}"
            : null;
}
