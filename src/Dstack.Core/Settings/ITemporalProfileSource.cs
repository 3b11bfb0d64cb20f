namespace Dstack.Core.Settings;

/// <summary>
/// Reads the Temporal connection settings that Temporal's own tools use (its SDKs' environment configuration), for
/// <see cref="SettingsLoader"/> to put under dstack's own. Core cannot read them itself: that needs the Temporal SDK,
/// which only Dstack.Workflows references.
/// </summary>
public interface ITemporalProfileSource
{
    /// <summary>Loads the profile, reading environment variables only through <paramref name="getVariable"/> (tests pass their own).</summary>
    /// <exception cref="Configuration.ConfigurationException">The Temporal config file, its profile or a <c>TEMPORAL_*</c> variable is invalid.</exception>
    TemporalProfile Load(Func<string, string?> getVariable);
}
