using System.Globalization;
using System.Text.RegularExpressions;
using Dstack.Core.Configuration;
using Dstack.Core.Settings;
using Temporalio.Common.EnvConfig;

namespace Dstack.Workflows.Connection;

/// <summary>
/// Reads the Temporal connection settings the way Temporal's own tools do, through the SDK's environment configuration
/// (<see cref="ClientEnvConfig"/>): the <c>TEMPORAL_PROFILE</c> profile (<c>default</c>) of <c>temporal.toml</c>
/// (<c>TEMPORAL_CONFIG_FILE</c>, by default <c>~/.config/temporalio/temporal.toml</c>, the file <c>temporal config set</c>
/// writes), with the <c>TEMPORAL_ADDRESS</c>, <c>TEMPORAL_NAMESPACE</c>, <c>TEMPORAL_API_KEY</c> and <c>TEMPORAL_TLS*</c>
/// variables over it. Every variable, and the file's default place, comes from the function it is given, so tests see
/// only their own.
/// </summary>
public sealed partial class TemporalEnvConfigSource : ITemporalProfileSource
{
    private const string Prefix = "Configuration loading error: ";

    // The variables the SDK's environment configuration reads (TEMPORAL_GRPC_META_* aside: dstack sends no extra metadata).
    private static readonly string[] Variables =
    [
        "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_TLS",
        "TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_CERT_DATA", "TEMPORAL_TLS_CLIENT_KEY_PATH", "TEMPORAL_TLS_CLIENT_KEY_DATA",
        "TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_CA_CERT_DATA", "TEMPORAL_TLS_SERVER_NAME",
    ];

    /// <inheritdoc/>
    public TemporalProfile Load(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        string? Variable(string name) => getVariable(name) is { Length: > 0 } value ? value : null;

        var file = ConfigFile(Variable);
        var profileName = Variable("TEMPORAL_PROFILE");
        var overrides = Variables.Where(v => Variable(v) is not null).ToDictionary(v => v, v => Variable(v)!, StringComparer.Ordinal);
        if (Variable("TEMPORAL_TLS") is { } tls && !IsBoolean(tls))
        {
            throw new ConfigurationException([SettingOrigin.Variable("TEMPORAL_TLS").Error($"expected true or false, found '{tls}'")], ConfigurationKind.Settings);
        }

        // With nothing to read the SDK would answer an empty profile, after some 150 ms of JIT and reflection that every
        // command of a user who never configured Temporal (the usual local setup) would pay.
        if (file is null && profileName is null && overrides.Count == 0)
        {
            return TemporalProfile.Empty;
        }

        var options = new ClientEnvConfig.ProfileLoadOptions
        {
            Profile = profileName,
            ConfigSource = file is null ? null : DataSource.FromPath(file),
            DisableFile = file is null,
            OverrideEnvVars = overrides,
        };

        ClientEnvConfig.Profile profile;
        try
        {
            profile = ClientEnvConfig.Profile.Load(options);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigurationException([Describe(e.Message, file, profileName, overrides)], ConfigurationKind.Settings);
        }

        return ToProfile(profile, file, profileName ?? "default", Variable);
    }

    /// <summary>
    /// The TOML file to read: <c>TEMPORAL_CONFIG_FILE</c>, which must exist, or the one in the user's config folder, which
    /// may not. The SDK would find the latter from the process's own variables; here it comes from the ones given.
    /// </summary>
    private static string? ConfigFile(Func<string, string?> variable)
    {
        if (variable("TEMPORAL_CONFIG_FILE") is { } named)
        {
            var path = Path.GetFullPath(named);
            return File.Exists(path) ? path : throw new ConfigurationException([SettingOrigin.Variable("TEMPORAL_CONFIG_FILE").Error(
                $"expected a Temporal config file (TOML), found no file at {path}")], ConfigurationKind.Settings);
        }

        var folder = OperatingSystem.IsWindows() ? variable("APPDATA")
            : OperatingSystem.IsMacOS() ? (variable("HOME") is { } macHome ? Path.Combine(macHome, "Library", "Application Support") : null)
            : variable("XDG_CONFIG_HOME") ?? (variable("HOME") is { } home ? Path.Combine(home, ".config") : null);
        var file = folder is null ? null : Path.Combine(folder, "temporalio", "temporal.toml");
        return file is not null && File.Exists(file) ? file : null;
    }

    private static bool IsBoolean(string text) => text.ToUpperInvariant() is "TRUE" or "FALSE" or "1" or "0";

    /// <summary>Turns the SDK's error (the Rust core's, several lines with a caret under the spot) into one located line.</summary>
    private static ConfigError Describe(string message, string? file, string? profileName, Dictionary<string, string> overrides)
    {
        var reason = message;
        while (reason.StartsWith(Prefix, StringComparison.Ordinal))
        {
            reason = reason[Prefix.Length..];
        }

        var location = file ?? "the Temporal config file";
        if (TomlError().Match(reason) is { Success: true } toml)
        {
            // The caret drawing is for terminals; its last line says what was wrong.
            var what = reason.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
            return new ConfigError(
                location, int.Parse(toml.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(toml.Groups[2].Value, CultureInfo.InvariantCulture), string.Empty, $"invalid Temporal config file: {what}");
        }

        if (profileName is not null && reason.StartsWith($"Profile '{profileName}' not found", StringComparison.Ordinal))
        {
            var names = file is null ? [] : ProfileNames(file, overrides);
            var known = names.Count == 0 ? "it has none" : $"it has {string.Join(", ", names)}";
            return SettingOrigin.Variable("TEMPORAL_PROFILE").Error(file is null
                ? $"names the profile '{profileName}', but there is no Temporal config file (set TEMPORAL_CONFIG_FILE, or create ~/.config/temporalio/temporal.toml with `temporal config set`)"
                : $"names the profile '{profileName}', which {file} does not have ({known})");
        }

        var firstLine = reason.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? reason;
        return firstLine.Contains("TEMPORAL_", StringComparison.Ordinal)
            ? new ConfigError("environment variables", 0, 0, string.Empty, firstLine)
            : new ConfigError(location, 0, 0, profileName is null ? string.Empty : $"profile.{profileName}", firstLine);
    }

    private static List<string> ProfileNames(string file, Dictionary<string, string> overrides)
    {
        try
        {
            return [.. ClientEnvConfig.Load(new ClientEnvConfig.ConfigLoadOptions { ConfigSource = DataSource.FromPath(file), OverrideEnvVars = overrides }).Profiles.Keys.Order(StringComparer.Ordinal)];
        }
        catch (InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>Converts the SDK's profile, recording for each value whether a variable or the file gave it.</summary>
    private static TemporalProfile ToProfile(ClientEnvConfig.Profile profile, string? file, string profileName, Func<string, string?> variable)
    {
        var origins = new Dictionary<string, SettingOrigin>();
        SettingOrigin Origin(string name, string tomlKey) =>
            variable(name) is not null || file is null ? SettingOrigin.Variable(name) : new SettingOrigin(file, 0, 0, $"profile.{profileName}.{tomlKey}");

        SecretText? apiKey = null;
        if (profile.ApiKey is { Length: > 0 } key)
        {
            apiKey = new SecretText(key);
            origins[TemporalSettingNames.ApiKey] = Origin("TEMPORAL_API_KEY", "api_key");
        }

        TemporalTlsSettings? tls = null;
        if (profile.Tls is { } profileTls)
        {
            PemSource? Pem(DataSource? source, string name, string variablePrefix, string tomlPrefix)
            {
                if (source is null)
                {
                    return null;
                }

                var inline = source.Path is null;
                origins[name] = Origin(variablePrefix + (inline ? "_DATA" : "_PATH"), tomlPrefix + (inline ? "_data" : "_path"));
                return inline
                    ? PemSource.FromText(System.Text.Encoding.UTF8.GetString(source.Data!))
                    : PemSource.FromFile(Path.GetFullPath(source.Path!)); // read from the current folder, as the SDK reads it
            }

            tls = new TemporalTlsSettings
            {
                ClientCert = Pem(profileTls.ClientCert, TemporalSettingNames.ClientCert, "TEMPORAL_TLS_CLIENT_CERT", "tls.client_cert"),
                ClientKey = Pem(profileTls.ClientPrivateKey, TemporalSettingNames.ClientKey, "TEMPORAL_TLS_CLIENT_KEY", "tls.client_key"),
                ServerCa = Pem(profileTls.ServerRootCACert, TemporalSettingNames.ServerCa, "TEMPORAL_TLS_SERVER_CA_CERT", "tls.server_ca_cert"),
                ServerName = profileTls.ServerName is { Length: > 0 } serverName ? serverName : null,
                Disabled = profileTls.Disabled == true,
            };
            if (tls.ServerName is not null)
            {
                origins[TemporalSettingNames.ServerName] = Origin("TEMPORAL_TLS_SERVER_NAME", "tls.server_name");
            }

            var tlsVariable = Variables.FirstOrDefault(v => v.StartsWith("TEMPORAL_TLS", StringComparison.Ordinal) && variable(v) is not null);
            origins[TemporalSettingNames.Tls] = tlsVariable is not null || file is null
                ? SettingOrigin.Variable(tlsVariable ?? "TEMPORAL_TLS")
                : new SettingOrigin(file, 0, 0, $"profile.{profileName}.tls");
        }

        var address = profile.Address is { Length: > 0 } a ? a : null;
        var ns = profile.Namespace is { Length: > 0 } n ? n : null;
        return new TemporalProfile { Address = address, Namespace = ns, ApiKey = apiKey, Tls = tls, Origins = origins };
    }

    [GeneratedRegex(@"TOML parse error at line (\d+), column (\d+)")]
    private static partial Regex TomlError();
}
