using Dstack.Core.Settings;
using Dstack.TemporalServer.WebUi;

namespace Dstack.Cli.Temporal;

/// <summary>
/// Links into the Temporal Web UI: the one <c>temporal.ui_url</c> names (real Temporal), or else the one the local
/// <c>dstack server</c> at the configured address serves. That UI admits only a browser that opened one of its login
/// links, so a link into this folder's running server carries a fresh one (<see cref="UiLoginToken"/>): it opens the
/// run's page in any browser once within <see cref="UiLoginToken.Lifetime"/>, and at any time in a browser already in.
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

        return LocalServerRecord.Read(settings.Home) is { UiUrl: { } served } record && LocalServerAddress.Same(record.Address, LocalServerAddress.Resolve(settings))
            ? served.TrimEnd('/')
            : null;
    }

    /// <summary>Gets the page of the run <paramref name="runName"/> (its latest execution), or null when no UI is known.</summary>
    /// <param name="settings">The settings of the dstack folder.</param>
    /// <param name="runName">The run.</param>
    /// <param name="now">The time the link's login token counts its lifetime from.</param>
    /// <exception cref="CommandException">The folder's server runs but its key file cannot be used.</exception>
    public static string? RunPage(DstackSettings settings, string runName, DateTimeOffset now)
    {
        if (BaseUrl(settings) is not { } ui)
        {
            return null;
        }

        var page = $"{ui}/namespaces/{Uri.EscapeDataString(settings.Temporal.Namespace)}/workflows/{Uri.EscapeDataString(runName)}";

        // The login middleware takes the token on any page and, once it is redeemed, sends the browser on to that page.
        return settings.Temporal.UiUrl is null && OwnServer.At(settings, LocalServerAddress.Resolve(settings)) is not null
            ? UiLoginToken.CreateUrl(new Uri(page), ServerKey.Read(settings.Home), now).AbsoluteUri
            : page;
    }
}
