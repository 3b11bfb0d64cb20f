using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using Dstack.Core.Configuration;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Settings;

/// <summary>
/// Loads <c>$DSTACK_HOME/config.yml</c> (<c>DSTACK_HOME</c> defaults to <c>~/.dstack</c>) and applies the
/// <c>DSTACK_TEMPORAL_*</c>, <c>DSTACK_TASK_QUEUE</c>, <c>DSTACK_STORAGE_PATH</c> and
/// <c>DSTACK_STORAGE_BUCKET</c>/<c>_PREFIX</c>/<c>_REGION</c>/<c>_ENDPOINT</c> overrides. The Temporal connection starts
/// from what Temporal's own tools would use (an <see cref="ITemporalProfileSource"/>: <c>TEMPORAL_*</c> variables and
/// <c>temporal.toml</c>), under the file's <c>temporal:</c> keys and the <c>DSTACK_TEMPORAL_*</c> variables, which win
/// (SettingsLoader.Temporal.cs). A missing file gives the defaults; a bad one a <see cref="SettingsException"/> naming
/// file, line, key and what was expected.
/// </summary>
public sealed partial class SettingsLoader
{
    private static readonly string[] RootKeys = ["temporal", "storage", "backends"];
    private static readonly string[] StorageKeys = ["type", "path", "bucket", "prefix", "region", "endpoint"];
    private static readonly string[] S3OnlyKeys = ["bucket", "prefix", "region", "endpoint"];
    private static readonly string[] LocalKeys = ["type"];
    private static readonly string[] SshKeys = ["type", "hosts", "grace_period"];
    private static readonly string[] SshHostKeys = ["host", "port", "user", "identity_file", "dstack_dir", "blocks", "labels"];
    private static readonly string[] AwsKeys = ["type", "regions", "profile", "endpoint", "ssh_user"];

    private readonly Func<string, string?> _getVariable;
    private readonly ITemporalProfileSource? _temporalProfiles;

    /// <summary>Creates a loader that reads environment variables through <paramref name="getVariable"/> (tests pass their own).</summary>
    /// <param name="getVariable">Reads an environment variable; also what <paramref name="temporalProfiles"/> reads.</param>
    /// <param name="temporalProfiles">The Temporal settings under dstack's own; null for none (Temporal's defaults).</param>
    public SettingsLoader(Func<string, string?> getVariable, ITemporalProfileSource? temporalProfiles = null)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        _getVariable = getVariable;
        _temporalProfiles = temporalProfiles;
    }

    /// <summary>Creates a loader over the process's environment variables.</summary>
    /// <param name="temporalProfiles">The Temporal settings under dstack's own; null for none (Temporal's defaults).</param>
    public static SettingsLoader FromEnvironment(ITemporalProfileSource? temporalProfiles = null) => new(Environment.GetEnvironmentVariable, temporalProfiles);

    /// <summary>Loads the settings.</summary>
    /// <exception cref="SettingsException">The config file is invalid.</exception>
    public DstackSettings Load()
    {
        var userHome = Variable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var home = Path.GetFullPath(ExpandHome(Variable("DSTACK_HOME") ?? Path.Combine(userHome, ".dstack"), userHome));
        var file = Path.Combine(home, "config.yml");
        var settings = new DstackSettings
        {
            Home = home,
            ConfigFile = file,
            Temporal = FromProfile(_temporalProfiles?.Load(Variable) ?? TemporalProfile.Empty),
            Storage = new StorageSettings { Path = Path.Combine(home, "storage") },
        };

        if (File.Exists(file))
        {
            settings = Parse(settings, file, File.ReadAllText(file), userHome);
        }

        var temporal = settings.Temporal;
        temporal = temporal with
        {
            Address = Variable("DSTACK_TEMPORAL_ADDRESS") ?? temporal.Address,
            AddressIsDefault = temporal.AddressIsDefault && Variable("DSTACK_TEMPORAL_ADDRESS") is null,
            Namespace = Variable("DSTACK_TEMPORAL_NAMESPACE") ?? temporal.Namespace,
            TaskQueue = Variable("DSTACK_TASK_QUEUE") ?? temporal.TaskQueue,
            UiUrl = Variable("DSTACK_TEMPORAL_UI_URL") ?? temporal.UiUrl,
        };
        if (temporal.UiUrl is { } uiUrl && !IsHttpUrl(uiUrl))
        {
            throw new SettingsException([new SettingsError("environment variable DSTACK_TEMPORAL_UI_URL", 0, 0, string.Empty, $"expected an http:// or https:// URL such as http://localhost:8080, found '{uiUrl}'")]);
        }

        temporal = CheckTemporal(ApplyTemporalVariables(temporal, userHome));

        // A storage path only means something for local storage, so the variable also selects it.
        var storage = Variable("DSTACK_STORAGE_PATH") is { } storagePath
            ? new StorageSettings { Type = "local", Path = Path.GetFullPath(ExpandHome(storagePath, userHome)) }
            : settings.Storage;

        // Likewise a bucket selects S3 storage; the other S3 variables refine S3 storage however it was chosen.
        if (Variable("DSTACK_STORAGE_BUCKET") is { } bucket)
        {
            storage = storage with { Type = "s3", Bucket = bucket };
        }

        if (storage.Type == "s3")
        {
            storage = storage with
            {
                Prefix = Variable("DSTACK_STORAGE_PREFIX") ?? storage.Prefix,
                Region = Variable("DSTACK_STORAGE_REGION") ?? storage.Region,
                Endpoint = Variable("DSTACK_STORAGE_ENDPOINT") ?? storage.Endpoint,
            };
            CheckS3Variables(storage);
        }

        return settings with { Temporal = temporal, Storage = storage };
    }

    private static DstackSettings Parse(DstackSettings defaults, string file, string text, string userHome)
    {
        var errors = new List<SettingsError>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var reason = e.InnerException?.Message ?? e.Message;
            throw new SettingsException([new SettingsError(file, (int)e.Start.Line, (int)e.Start.Column, string.Empty, $"invalid YAML: {reason}")]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return defaults;
        }

        var reader = new Reader(file, errors);
        var root = reader.Mapping(stream.Documents[0].RootNode, string.Empty, RootKeys);
        var settings = defaults;
        if (root is not null)
        {
            if (Reader.Child(root, "temporal") is { } temporalNode && reader.Mapping(temporalNode, "temporal", TemporalKeys) is { } temporal)
            {
                settings = settings with { Temporal = ParseTemporal(reader, temporal, defaults.Temporal, file, userHome) };
            }

            if (Reader.Child(root, "storage") is { } storageNode && reader.Mapping(storageNode, "storage", StorageKeys) is { } storage)
            {
                settings = settings with { Storage = ParseStorage(reader, storage, defaults.Storage, userHome, file) };
            }

            if (Reader.Child(root, "backends") is { } backendsNode)
            {
                settings = settings with { Backends = ParseBackends(reader, backendsNode, userHome) };
            }
        }

        return errors.Count > 0 ? throw new SettingsException(errors) : settings;
    }

    private static StorageSettings ParseStorage(Reader reader, YamlMappingNode node, StorageSettings defaults, string userHome, string file)
    {
        var type = reader.String(node, "storage", "type") ?? "local";
        if (type is not ("local" or "s3"))
        {
            reader.Error(Reader.Child(node, "type")!, "storage.type", $"expected local or s3, found '{type}'");
        }

        var bucket = reader.String(node, "storage", "bucket");
        if (type == "s3" && bucket is null)
        {
            reader.Error(node, "storage.bucket", "expected a bucket name for storage of type s3, found none");
        }

        if (type == "s3")
        {
            CheckS3(reader, node);
        }
        else
        {
            foreach (var key in S3OnlyKeys.Where(k => Reader.Child(node, k) is not null))
            {
                reader.Error(Reader.Child(node, key)!, $"storage.{key}", $"'{key}' is for storage of type s3; set storage.type to s3 or remove it");
            }
        }

        // A relative path is taken from the folder of the config file, not from wherever dstack happens to run.
        var path = reader.String(node, "storage", "path") is { } p
            ? Path.GetFullPath(ExpandHome(p, userHome), Path.GetDirectoryName(file)!)
            : defaults.Path;
        return new StorageSettings
        {
            Type = type,
            Path = path,
            Bucket = bucket,
            Prefix = reader.String(node, "storage", "prefix"),
            Region = reader.String(node, "storage", "region"),
            Endpoint = reader.String(node, "storage", "endpoint"),
        };
    }

    /// <summary>Checks the S3 keys against S3's own rules, so that a typo fails here rather than at the first upload.</summary>
    private static void CheckS3(Reader reader, YamlMappingNode node)
    {
        if (reader.String(node, "storage", "bucket") is { } bucket && !BucketRegex().IsMatch(bucket))
        {
            reader.Error(Reader.Child(node, "bucket")!, "storage.bucket", $"expected an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-'), found '{bucket}'");
        }

        if (reader.String(node, "storage", "endpoint") is { } endpoint
            && !IsHttpUrl(endpoint))
        {
            reader.Error(Reader.Child(node, "endpoint")!, "storage.endpoint", $"expected an http:// or https:// URL such as http://127.0.0.1:4569, found '{endpoint}'");
        }

        if (reader.String(node, "storage", "region") is { } region && !RegionRegex().IsMatch(region))
        {
            reader.Error(Reader.Child(node, "region")!, "storage.region", $"expected an AWS region such as us-east-1, found '{region}'");
        }

        if (reader.String(node, "storage", "prefix") is { } prefix && prefix.Trim('/') is { Length: > 0 } trimmed)
        {
            try
            {
                Storage.StorageKey.Validate(trimmed + "/", isPrefix: true);
            }
            catch (ArgumentException)
            {
                reader.Error(Reader.Child(node, "prefix")!, "storage.prefix", $"expected a key prefix such as dstack or team/dstack (no empty, '.' or '..' parts, no '\\'), found '{prefix}'");
            }
        }
    }

    /// <summary>Checks S3 values that came from variables by the rules <see cref="CheckS3"/> applies to the file.</summary>
    private static void CheckS3Variables(StorageSettings storage)
    {
        var errors = new List<SettingsError>();
        void Check(string variable, string? value, bool valid, string expected)
        {
            if (value is not null && !valid)
            {
                errors.Add(new SettingsError($"environment variable {variable}", 0, 0, string.Empty, $"expected {expected}, found '{value}'"));
            }
        }

        Check("DSTACK_STORAGE_BUCKET", storage.Bucket, storage.Bucket is { } b && BucketRegex().IsMatch(b), "an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-')");
        Check("DSTACK_STORAGE_REGION", storage.Region, storage.Region is { } r && RegionRegex().IsMatch(r), "an AWS region such as us-east-1");
        Check(
            "DSTACK_STORAGE_ENDPOINT",
            storage.Endpoint,
            Uri.TryCreate(storage.Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https",
            "an http:// or https:// URL such as http://127.0.0.1:4569");
        if (errors.Count > 0)
        {
            throw new SettingsException(errors);
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketRegex();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+$")]
    private static partial Regex RegionRegex();

    private static List<BackendSettings> ParseBackends(Reader reader, YamlNode node, string userHome)
    {
        var backends = new List<BackendSettings>();
        if (node is not YamlSequenceNode list)
        {
            reader.Error(node, "backends", $"expected a list of backends (- type: local), found {Reader.Describe(node)}");
            return backends;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var path = $"backends[{i}]";
            if (reader.Mapping(list.Children[i], path, null) is not { } item)
            {
                continue;
            }

            switch (reader.String(item, path, "type"))
            {
                case "local":
                    reader.CheckKeys(item, path, LocalKeys);
                    backends.Add(new LocalBackendSettings());
                    break;
                case "ssh":
                    reader.CheckKeys(item, path, SshKeys);
                    var gracePeriod = reader.Duration(item, path, "grace_period");
                    backends.Add(new SshBackendSettings(ParseHosts(reader, item, path, userHome), gracePeriod));
                    break;
                case "aws":
                    reader.CheckKeys(item, path, AwsKeys);
                    backends.Add(new AwsBackendSettings(
                        reader.StringList(item, path, "regions"),
                        reader.String(item, path, "profile"),
                        reader.String(item, path, "endpoint"),
                        reader.String(item, path, "ssh_user")));
                    break;
                case null:
                    reader.Error(item, $"{path}.type", "expected a backend type (local, ssh or aws), found none");
                    break;
                case var other:
                    reader.Error(Reader.Child(item, "type")!, $"{path}.type", $"expected local, ssh or aws, found '{other}'");
                    break;
            }
        }

        return backends;
    }

    private static List<SshHostSettings> ParseHosts(Reader reader, YamlMappingNode backend, string path, string userHome)
    {
        var hosts = new List<SshHostSettings>();
        var node = Reader.Child(backend, "hosts");
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            reader.Error(node ?? backend, $"{path}.hosts", $"expected a list of hosts (- host: name), found {(node is null ? "none" : Reader.Describe(node))}");
            return hosts;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var hostPath = $"{path}.hosts[{i}]";
            if (reader.Mapping(list.Children[i], hostPath, SshHostKeys) is not { } item)
            {
                continue;
            }

            var host = reader.String(item, hostPath, "host");
            if (host is null)
            {
                reader.Error(item, $"{hostPath}.host", "expected a host name, found none");
                continue;
            }

            var port = 22;
            if (reader.String(item, hostPath, "port") is { } portText
                && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
            {
                reader.Error(Reader.Child(item, "port")!, $"{hostPath}.port", $"expected a port number from 1 to 65535, found '{portText}'");
            }

            var blocks = 1;
            if (reader.String(item, hostPath, "blocks") is { } blocksText
                && (!int.TryParse(blocksText, NumberStyles.None, CultureInfo.InvariantCulture, out blocks) || blocks is < 1 or > 1024))
            {
                reader.Error(Reader.Child(item, "blocks")!, $"{hostPath}.blocks", $"expected how many jobs the host may run at once, a number from 1 to 1024, found '{blocksText}'");
            }

            var labels = reader.StringList(item, hostPath, "labels");
            var identity = reader.String(item, hostPath, "identity_file");
            // dstack_dir is a path on the host, so '~' stays for the host to expand (its user's home, not ours).
            hosts.Add(new SshHostSettings(
                host,
                port,
                reader.String(item, hostPath, "user"),
                identity is null ? null : Path.GetFullPath(ExpandHome(identity, userHome)),
                reader.String(item, hostPath, "dstack_dir"),
                blocks,
                labels.Count == 0 ? null : labels));
        }

        return hosts;
    }

    private static string ExpandHome(string path, string userHome) =>
        path == "~" ? userHome
        : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(userHome, path[2..])
        : path;

    private string? Variable(string name) => _getVariable(name) is { Length: > 0 } value ? value : null;

    /// <summary>Reads nodes and records errors with their positions.</summary>
    private sealed class Reader(string file, List<SettingsError> errors)
    {
        public static string Describe(YamlNode node) => node switch
        {
            YamlMappingNode => "a mapping",
            YamlSequenceNode => "a list",
            YamlScalarNode { Value: null or "" } => "nothing",
            YamlScalarNode s => $"'{s.Value}'",
            _ => "an unknown node",
        };

        public void Error(YamlNode node, string key, string message) =>
            errors.Add(new SettingsError(file, (int)node.Start.Line, (int)node.Start.Column, key, message));

        public void Error(SettingsError error) => errors.Add(error);

        /// <summary>Where <paramref name="node"/>, the value of <paramref name="key"/>, was written.</summary>
        public SettingOrigin Origin(YamlNode node, string key) => new(file, (int)node.Start.Line, (int)node.Start.Column, key);

        /// <summary>Reads a YAML boolean (true or false); null when absent, with an error when it is something else.</summary>
        public bool? Boolean(YamlMappingNode mapping, string path, string key)
        {
            switch (String(mapping, path, key))
            {
                case null:
                    return null;
                case var text when bool.TryParse(text, out var value):
                    return value;
                case var text:
                    Error(Child(mapping, key)!, $"{path}.{key}", $"expected true or false, found '{text}'");
                    return null;
            }
        }

        public static YamlNode? Child(YamlMappingNode node, string key) =>
            node.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var k } && k == key).Value;

        /// <summary>Expects a mapping whose keys are among <paramref name="allowed"/> (any when null).</summary>
        public YamlMappingNode? Mapping(YamlNode node, string path, IReadOnlyList<string>? allowed)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, path, $"expected a mapping, found {Describe(node)}");
                return null;
            }

            if (allowed is not null)
            {
                CheckKeys(mapping, path, allowed);
            }

            return mapping;
        }

        public void CheckKeys(YamlMappingNode mapping, string path, IReadOnlyList<string> allowed)
        {
            foreach (var key in mapping.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? string.Empty;
                if (!allowed.Contains(name))
                {
                    Error(key, path.Length == 0 ? name : $"{path}.{name}", $"unknown key; expected one of {string.Join(", ", allowed)}");
                }
            }
        }

        public string? String(YamlMappingNode mapping, string path, string key)
        {
            switch (Child(mapping, key))
            {
                case null:
                    return null;
                case YamlScalarNode { Value: null or "" }:
                    return null;
                case YamlScalarNode scalar:
                    return scalar.Value;
                case var other:
                    Error(other, $"{path}.{key}", $"expected a single value, found {Describe(other)}");
                    return null;
            }
        }

        public TimeSpan? Duration(YamlMappingNode mapping, string path, string key)
        {
            if (String(mapping, path, key) is not { } text)
            {
                return null;
            }

            if (DurationText.TryParse(text, out var duration))
            {
                return duration;
            }

            Error(Child(mapping, key)!, $"{path}.{key}", $"expected a duration like 30s, 5m or 1h, found '{text}'");
            return null;
        }

        public List<string> StringList(YamlMappingNode mapping, string path, string key)
        {
            switch (Child(mapping, key))
            {
                case null:
                    return [];
                case YamlScalarNode { Value: { Length: > 0 } single }:
                    return [single];
                case YamlSequenceNode list:
                    var values = new List<string>();
                    foreach (var item in list.Children)
                    {
                        if (item is YamlScalarNode { Value: { Length: > 0 } value })
                        {
                            values.Add(value);
                        }
                        else
                        {
                            Error(item, $"{path}.{key}", $"expected a name, found {Describe(item)}");
                        }
                    }

                    return values;
                case var other:
                    Error(other, $"{path}.{key}", $"expected a list of names, found {Describe(other)}");
                    return [];
            }
        }
    }

    private static bool IsHttpUrl(string text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
