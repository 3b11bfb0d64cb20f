using Dstack.Core.Configuration;
using Dstack.Core.Configuration.Parsing;
using Dstack.Core.Secrets;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Settings;

/// <summary>
/// The Temporal connection's layers, lowest first: the Temporal profile (<see cref="ITemporalProfileSource"/>), the
/// file's <c>temporal:</c> keys, the <c>DSTACK_TEMPORAL_*</c> variables. Each value a layer sets replaces the one below;
/// a layer that sets any TLS value turns TLS on unless it also says it is off. Checks that need every layer (a file that
/// is missing, a key without its certificate) run on the result, each error located where its value was given.
/// </summary>
public sealed partial class SettingsLoader
{
    private static readonly string[] TemporalKeys = ["address", "namespace", "task_queue", "ui_url", "api_key", "api_key_file", "tls"];
    private static readonly string[] TlsKeys = ["client_cert", "client_key", "server_ca", "server_name", "disabled"];


    private static TemporalSettings FromProfile(TemporalProfile profile)
    {
        var temporal = new TemporalSettings
        {
            Address = profile.Address ?? TemporalSettings.DefaultAddress,
            AddressIsDefault = profile.Address is null,
            Namespace = profile.Namespace ?? "default",
            ApiKey = profile.ApiKey,
            Tls = profile.Tls,
        };

        // Settings without API key or TLS keep the shared empty origins, so they compare equal to settings made in code.
        return profile.Origins.Count == 0 ? temporal : temporal with { Origins = profile.Origins };
    }

    private static TemporalSettings ParseTemporal(NodeReader reader, YamlMappingNode node, TemporalSettings below, string userHome)
    {
        var file = reader.File;
        var temporal = below with
        {
            Address = reader.Text(node, "temporal", "address") ?? below.Address,
            AddressIsDefault = below.AddressIsDefault && NodeReader.ValueOf(node, "address") is null,
            Namespace = reader.Text(node, "temporal", "namespace") ?? below.Namespace,
            TaskQueue = reader.Text(node, "temporal", "task_queue") ?? below.TaskQueue,
            UiUrl = reader.Text(node, "temporal", "ui_url") ?? below.UiUrl,
        };
        if (NodeReader.ValueOf(node, "ui_url") is { } uiNode && reader.Text(node, "temporal", "ui_url") is { } uiUrl && !IsHttpUrl(uiUrl))
        {
            reader.Error(uiNode, "temporal.ui_url", $"expected an http:// or https:// URL such as http://localhost:8080, found '{uiUrl}'");
        }

        // A relative path is taken from the folder of the config file, not from wherever dstack happens to run.
        string? FilePath(YamlMappingNode mapping, string path, string key) =>
            reader.Text(mapping, path, key) is { } value ? Path.GetFullPath(ExpandHome(value, userHome), Path.GetDirectoryName(file)!) : null;

        var errors = new List<ConfigError>();
        var inlineKey = reader.Text(node, "temporal", "api_key");
        var keyFile = FilePath(node, "temporal", "api_key_file");
        if (inlineKey is not null && keyFile is not null)
        {
            reader.Error(NodeReader.ValueOf(node, "api_key_file")!, "temporal.api_key_file", "set either temporal.api_key or temporal.api_key_file, not both");
        }
        else if (inlineKey is not null)
        {
            var origin = Origin(reader, NodeReader.ValueOf(node, "api_key")!, "temporal.api_key");
            if (PrivateFile.OpenToOthers(file) is { } mode)
            {
                errors.Add(origin.Error($"this file holds an API key, but its mode {mode} lets other users read it; run `chmod 600 {file}` (or move the key to a file of its own named by temporal.api_key_file)"));
            }

            temporal = WithApiKey(temporal, CheckApiKey(inlineKey, origin, errors), origin);
        }
        else if (keyFile is not null)
        {
            var origin = Origin(reader, NodeReader.ValueOf(node, "api_key_file")!, "temporal.api_key_file");
            temporal = WithApiKey(temporal, ReadApiKeyFile(keyFile, origin, errors), origin);
        }

        if (NodeReader.ValueOf(node, "tls") is { } tlsNode && reader.Mapping(tlsNode, "temporal.tls", TlsKeys) is { } tls)
        {
            var origins = new Dictionary<string, SettingOrigin>();
            PemSource? Pem(string key, string name)
            {
                if (FilePath(tls, "temporal.tls", key) is not { } path)
                {
                    return null;
                }

                origins[name] = Origin(reader, NodeReader.ValueOf(tls, key)!, $"temporal.tls.{key}");
                return PemSource.FromFile(path);
            }

            var layer = new TemporalTlsSettings
            {
                ClientCert = Pem("client_cert", TemporalSettingNames.ClientCert),
                ClientKey = Pem("client_key", TemporalSettingNames.ClientKey),
                ServerCa = Pem("server_ca", TemporalSettingNames.ServerCa),
                ServerName = reader.Text(tls, "temporal.tls", "server_name"),
            };
            if (layer.ServerName is not null)
            {
                origins[TemporalSettingNames.ServerName] = Origin(reader, NodeReader.ValueOf(tls, "server_name")!, "temporal.tls.server_name");
            }

            var disabled = reader.Boolean(tls, "temporal.tls", "disabled");
            var tlsOrigin = NodeReader.ValueOf(tls, "disabled") is { } disabledNode ? Origin(reader, disabledNode, "temporal.tls.disabled") : Origin(reader, tlsNode, "temporal.tls");
            temporal = LayTls(temporal, layer, disabled ?? false, tlsOrigin, origins);
        }

        foreach (var error in errors)
        {
            reader.Error(error);
        }

        return temporal;
    }

    /// <summary>Lays the <c>DSTACK_TEMPORAL_*</c> variables of the API key and TLS over <paramref name="temporal"/>.</summary>
    private TemporalSettings ApplyTemporalVariables(TemporalSettings temporal, string userHome)
    {
        var errors = new List<ConfigError>();
        string? FilePath(string name) => Variable(name) is { } value ? Path.GetFullPath(ExpandHome(value, userHome)) : null;

        var key = Variable("DSTACK_TEMPORAL_API_KEY");
        var keyFile = FilePath("DSTACK_TEMPORAL_API_KEY_FILE");
        if (key is not null && keyFile is not null)
        {
            errors.Add(SettingOrigin.Variable("DSTACK_TEMPORAL_API_KEY_FILE").Error("set either DSTACK_TEMPORAL_API_KEY or DSTACK_TEMPORAL_API_KEY_FILE, not both"));
        }
        else if (key is not null)
        {
            var origin = SettingOrigin.Variable("DSTACK_TEMPORAL_API_KEY");
            temporal = WithApiKey(temporal, CheckApiKey(key, origin, errors), origin);
        }
        else if (keyFile is not null)
        {
            var origin = SettingOrigin.Variable("DSTACK_TEMPORAL_API_KEY_FILE");
            temporal = WithApiKey(temporal, ReadApiKeyFile(keyFile, origin, errors), origin);
        }

        var origins = new Dictionary<string, SettingOrigin>();
        PemSource? Pem(string variable, string name)
        {
            if (FilePath(variable) is not { } path)
            {
                return null;
            }

            origins[name] = SettingOrigin.Variable(variable);
            return PemSource.FromFile(path);
        }

        var layer = new TemporalTlsSettings
        {
            ClientCert = Pem("DSTACK_TEMPORAL_TLS_CLIENT_CERT", TemporalSettingNames.ClientCert),
            ClientKey = Pem("DSTACK_TEMPORAL_TLS_CLIENT_KEY", TemporalSettingNames.ClientKey),
            ServerCa = Pem("DSTACK_TEMPORAL_TLS_SERVER_CA", TemporalSettingNames.ServerCa),
            ServerName = Variable("DSTACK_TEMPORAL_TLS_SERVER_NAME"),
        };
        if (layer.ServerName is not null)
        {
            origins[TemporalSettingNames.ServerName] = SettingOrigin.Variable("DSTACK_TEMPORAL_TLS_SERVER_NAME");
        }

        bool? enabled = null;
        if (Variable("DSTACK_TEMPORAL_TLS") is { } tlsText)
        {
            enabled = bool.TryParse(tlsText, out var on) ? on : null;
            if (enabled is null)
            {
                errors.Add(SettingOrigin.Variable("DSTACK_TEMPORAL_TLS").Error($"expected true (TLS on) or false (TLS off), found '{tlsText}'"));
            }
        }

        var tlsOrigin = SettingOrigin.Variable(enabled is null ? origins.Keys.Select(VariableOf).FirstOrDefault() ?? "DSTACK_TEMPORAL_TLS" : "DSTACK_TEMPORAL_TLS");
        if (enabled is not null || origins.Count > 0)
        {
            temporal = LayTls(temporal, layer, disabled: enabled == false, tlsOrigin, origins);
        }

        return errors.Count > 0 ? throw Invalid(errors) : temporal;
    }

    private static string VariableOf(string name) => name switch
    {
        TemporalSettingNames.ClientCert => "DSTACK_TEMPORAL_TLS_CLIENT_CERT",
        TemporalSettingNames.ClientKey => "DSTACK_TEMPORAL_TLS_CLIENT_KEY",
        TemporalSettingNames.ServerCa => "DSTACK_TEMPORAL_TLS_SERVER_CA",
        _ => "DSTACK_TEMPORAL_TLS_SERVER_NAME",
    };

    private static TemporalSettings WithApiKey(TemporalSettings temporal, SecretText? key, SettingOrigin origin) =>
        key is null ? temporal : temporal with { ApiKey = key, Origins = With(temporal.Origins, new() { [TemporalSettingNames.ApiKey] = origin }) };

    /// <summary>Lays one layer's TLS values over those below: each value it sets wins, and TLS is on unless it says off.</summary>
    private static TemporalSettings LayTls(
        TemporalSettings temporal, TemporalTlsSettings layer, bool disabled, SettingOrigin tlsOrigin, Dictionary<string, SettingOrigin> origins)
    {
        var below = temporal.Tls ?? new TemporalTlsSettings();
        origins[TemporalSettingNames.Tls] = tlsOrigin;
        return temporal with
        {
            Tls = new TemporalTlsSettings
            {
                ClientCert = layer.ClientCert ?? below.ClientCert,
                ClientKey = layer.ClientKey ?? below.ClientKey,
                ServerCa = layer.ServerCa ?? below.ServerCa,
                ServerName = layer.ServerName ?? below.ServerName,
                Disabled = disabled,
            },
            Origins = With(temporal.Origins, origins),
        };
    }

    private static Dictionary<string, SettingOrigin> With(IReadOnlyDictionary<string, SettingOrigin> below, Dictionary<string, SettingOrigin> layer)
    {
        var merged = new Dictionary<string, SettingOrigin>(below);
        foreach (var (name, origin) in layer)
        {
            merged[name] = origin;
        }

        return merged;
    }

    /// <summary>Checks what only the merged layers can tell: the TLS files exist and hold PEM, a key has its certificate.</summary>
    private static TemporalSettings CheckTemporal(TemporalSettings temporal)
    {
        var errors = new List<ConfigError>();
        if (temporal.ApiKey is { } apiKey && temporal.OriginOf(TemporalSettingNames.ApiKey) is { } keyOrigin)
        {
            // The profile's key was not checked where it was read (dstack's own were, and pass again here).
            CheckApiKey(apiKey.Reveal(), keyOrigin, errors);
        }

        if (temporal.Tls is { Disabled: false } tls)
        {
            SettingOrigin Origin(string name) => temporal.OriginOf(name) ?? new SettingOrigin("settings", 0, 0, name);
            CheckPem(tls.ClientCert, Origin(TemporalSettingNames.ClientCert), "CERTIFICATE", "a certificate", errors);
            CheckPem(tls.ServerCa, Origin(TemporalSettingNames.ServerCa), "CERTIFICATE", "a CA certificate", errors);
            if (CheckPem(tls.ClientKey, Origin(TemporalSettingNames.ClientKey), "PRIVATE KEY", "a private key", errors) && tls.ClientKey?.Path is { } keyPath
                && PrivateFile.OpenToOthers(keyPath) is { } mode)
            {
                errors.Add(Origin(TemporalSettingNames.ClientKey).Error($"{keyPath} holds a private key, but its mode {mode} lets other users read it; run `chmod 600 {keyPath}`"));
            }

            if (tls.ClientKey is not null && tls.ClientCert is null)
            {
                errors.Add(Origin(TemporalSettingNames.ClientKey).Error(
                    "a client key needs its certificate: set temporal.tls.client_cert (or DSTACK_TEMPORAL_TLS_CLIENT_CERT) to the PEM file of the certificate it belongs to"));
            }
            else if (tls.ClientCert is not null && tls.ClientKey is null)
            {
                errors.Add(Origin(TemporalSettingNames.ClientCert).Error(
                    "a client certificate needs its private key: set temporal.tls.client_key (or DSTACK_TEMPORAL_TLS_CLIENT_KEY) to the PEM file of its key"));
            }
        }

        return errors.Count > 0 ? throw Invalid(errors) : temporal;
    }

    /// <summary>Checks that a PEM document can be read and holds a block of <paramref name="kind"/>; true when it does (or is not set).</summary>
    private static bool CheckPem(PemSource? source, SettingOrigin origin, string kind, string what, List<ConfigError> errors)
    {
        if (source is null)
        {
            return true;
        }

        string text;
        try
        {
            text = System.Text.Encoding.UTF8.GetString(source.ReadBytes());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(origin.Error(Unreadable(source.Path!, $"{what} (PEM)", e)));
            return false;
        }

        if (text.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
        {
            errors.Add(origin.Error($"{source} holds an encrypted private key, which the Temporal client cannot use; decrypt it (`openssl pkey -in KEY -out DECRYPTED`) and name that file, with mode 600"));
            return false;
        }

        // A certificate's marker is "-----BEGIN CERTIFICATE-----"; a key's "-----BEGIN PRIVATE KEY-----", "...EC PRIVATE KEY-----" or "...RSA PRIVATE KEY-----".
        if (!text.Contains("-----BEGIN ", StringComparison.Ordinal) || !text.Contains($"{kind}-----", StringComparison.Ordinal))
        {
            errors.Add(origin.Error($"expected {what} in PEM format (a -----BEGIN {kind}----- block), found none in {source}"));
            return false;
        }

        return true;
    }

    private static SecretText? ReadApiKeyFile(string path, SettingOrigin origin, List<ConfigError> errors)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(origin.Error(Unreadable(path, "the API key", e)));
            return null;
        }

        if (PrivateFile.OpenToOthers(path) is { } mode)
        {
            errors.Add(origin.Error($"{path} holds an API key, but its mode {mode} lets other users read it; run `chmod 600 {path}`"));
            return null;
        }

        return CheckApiKey(text.Trim(), origin, errors, path);
    }

    /// <summary>Checks that a key can travel as an <c>authorization: Bearer</c> header value; null (with an error) when it cannot.</summary>
    private static SecretText? CheckApiKey(string key, SettingOrigin origin, List<ConfigError> errors, string? file = null)
    {
        var where = file is null ? string.Empty : $" in {file}";
        if (key.Length == 0)
        {
            errors.Add(origin.Error($"expected an API key{where}, found nothing"));
            return null;
        }

        // The key itself is never put in a message, only what is wrong with it.
        if (key.Any(c => c is < '!' or > '~'))
        {
            errors.Add(origin.Error($"expected an API key{where} of printable ASCII characters without spaces or line breaks (as a gRPC header carries it), found other characters"));
            return null;
        }

        return new SecretText(key);
    }

    private static string Unreadable(string path, string what, Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"expected a file with {what}, found no file at {path}",
        UnauthorizedAccessException when Directory.Exists(path) => $"expected a file with {what}, found a folder at {path}",
        UnauthorizedAccessException => $"cannot read {path} (permission denied); it should hold {what}",
        _ => $"cannot read {path}: {e.Message}",
    };
}
