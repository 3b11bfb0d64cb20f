using System.Globalization;
using Dstack.Core.Configuration;
using Dstack.Core.Configuration.Parsing;
using YamlDotNet.RepresentationModel;

namespace Dstack.Core.Settings;

/// <summary>
/// Loads <c>$DSTACK_HOME/config.yml</c> (<c>DSTACK_HOME</c> defaults to <c>~/.dstack</c>) and applies the
/// <c>DSTACK_TEMPORAL_*</c>, <c>DSTACK_TASK_QUEUE</c>, <c>DSTACK_STORAGE_PATH</c> and
/// <c>DSTACK_STORAGE_BUCKET</c>/<c>_PREFIX</c>/<c>_REGION</c>/<c>_ENDPOINT</c> overrides. The Temporal connection starts
/// from what Temporal's own tools would use (an <see cref="ITemporalProfileSource"/>: <c>TEMPORAL_*</c> variables and
/// <c>temporal.toml</c>), under the file's <c>temporal:</c> keys and the <c>DSTACK_TEMPORAL_*</c> variables, which win
/// (SettingsLoader.Temporal.cs). A missing file gives the defaults; a bad one a <see cref="ConfigurationException"/>
/// naming file, line, key and what was expected, read and reported as the workflows files are (<see cref="NodeReader"/>).
/// </summary>
public sealed partial class SettingsLoader
{
    private static readonly string[] RootKeys = ["temporal", "storage", "backends"];
    private static readonly string[] LocalKeys = ["type"];
    private static readonly string[] SshKeys = ["type", "hosts", "grace_period"];
    private static readonly string[] SshHostKeys = ["host", "port", "user", "identity_file", "dstack_dir", "blocks", "labels"];

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
    /// <exception cref="ConfigurationException">The config file, the Temporal profile or a variable is invalid.</exception>
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
            throw Invalid([SettingOrigin.Variable("DSTACK_TEMPORAL_UI_URL").Error($"expected an http:// or https:// URL such as http://localhost:8080, found '{uiUrl}'")]);
        }

        temporal = CheckTemporal(ApplyTemporalVariables(temporal, userHome));

        // A storage path only means something for local storage, so the variable also selects it.
        var storage = Variable("DSTACK_STORAGE_PATH") is { } storagePath
            ? new StorageSettings { Type = StorageType.Local, Path = Path.GetFullPath(ExpandHome(storagePath, userHome)) }
            : settings.Storage;

        // Likewise a bucket selects S3 storage; the other S3 variables refine S3 storage however it was chosen.
        if (Variable("DSTACK_STORAGE_BUCKET") is { } bucket)
        {
            storage = storage with { Type = StorageType.S3, Bucket = bucket };
        }

        if (storage.Type == StorageType.S3)
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
        var errors = new List<ConfigError>();
        var reader = new NodeReader(file, text, errors);
        if (!reader.TryLoad(out var stream))
        {
            throw Invalid(errors);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return defaults;
        }

        var settings = defaults;
        if (reader.Mapping(stream.Documents[0].RootNode, string.Empty, RootKeys) is { } root)
        {
            if (NodeReader.ValueOf(root, "temporal") is { } temporalNode && reader.Mapping(temporalNode, "temporal", TemporalKeys) is { } temporal)
            {
                settings = settings with { Temporal = ParseTemporal(reader, temporal, defaults.Temporal, userHome) };
            }

            // A relative path is taken from the folder of the config file, not from wherever dstack happens to run.
            if (NodeReader.ValueOf(root, "storage") is { } storageNode
                && StorageSettings.Read(reader, storageNode, defaults.Storage.Path, path => Path.GetFullPath(ExpandHome(path, userHome), Path.GetDirectoryName(file)!)) is { } storage)
            {
                settings = settings with { Storage = storage };
            }

            if (NodeReader.ValueOf(root, "backends") is { } backendsNode)
            {
                settings = settings with { Backends = ParseBackends(reader, backendsNode, userHome) };
            }
        }

        return errors.Count > 0 ? throw Invalid(errors) : settings;
    }

    /// <summary>Checks S3 values that came from variables by the rules the file's are checked by (<see cref="StorageSettings.S3Expectation"/>).</summary>
    private static void CheckS3Variables(StorageSettings storage)
    {
        var errors = new List<ConfigError>();
        foreach (var (variable, key, value) in new[]
        {
            ("DSTACK_STORAGE_BUCKET", "bucket", storage.Bucket),
            ("DSTACK_STORAGE_REGION", "region", storage.Region),
            ("DSTACK_STORAGE_ENDPOINT", "endpoint", storage.Endpoint),
        })
        {
            if (value is not null && StorageSettings.S3Expectation(key, value) is { } expected)
            {
                errors.Add(SettingOrigin.Variable(variable).Error($"expected {expected}, found '{value}'"));
            }
        }

        if (errors.Count > 0)
        {
            throw Invalid(errors);
        }
    }

    private static List<BackendSettings> ParseBackends(NodeReader reader, YamlNode node, string userHome)
    {
        var backends = new List<BackendSettings>();
        if (node is not YamlSequenceNode list)
        {
            reader.TypeError(node, "backends", "a list of backends (- type: local)");
            return backends;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var path = $"backends[{i}]";
            if (list.Children[i] is not YamlMappingNode item)
            {
                reader.TypeError(list.Children[i], path, "a map with the key type (local, ssh or aws)");
                continue;
            }

            switch (reader.Text(item, path, "type"))
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
                    backends.Add(AwsBackendSettings.Read(reader, item, path));
                    break;
                case null:
                    reader.Error(item, $"{path}.type", "expected a backend type (local, ssh or aws), found none");
                    break;
                case var other:
                    reader.Error(NodeReader.ValueOf(item, "type")!, $"{path}.type", $"expected local, ssh or aws, found '{other}'");
                    break;
            }
        }

        return backends;
    }

    private static List<SshHostSettings> ParseHosts(NodeReader reader, YamlMappingNode backend, string path, string userHome)
    {
        var hosts = new List<SshHostSettings>();
        var node = NodeReader.ValueOf(backend, "hosts");
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            reader.Error(node ?? backend, $"{path}.hosts", $"expected a list of hosts (- host: name), found {(node is null ? "none" : NodeReader.Describe(node))}");
            return hosts;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            var hostPath = $"{path}.hosts[{i}]";
            if (reader.Mapping(list.Children[i], hostPath, SshHostKeys) is not { } item)
            {
                continue;
            }

            var host = reader.Text(item, hostPath, "host");
            if (host is null)
            {
                reader.Error(item, $"{hostPath}.host", "expected a host name, found none");
                continue;
            }

            var port = reader.WholeNumber(item, hostPath, "port", 1, 65535, 22, "a port number from 1 to 65535");
            var blocks = reader.WholeNumber(item, hostPath, "blocks", 1, 1024, 1, "how many jobs the host may run at once, a number from 1 to 1024");

            var labels = reader.Names(item, hostPath, "labels");
            var identity = reader.Text(item, hostPath, "identity_file");
            // dstack_dir is a path on the host, so '~' stays for the host to expand (its user's home, not ours).
            hosts.Add(new SshHostSettings(
                host,
                port,
                reader.Text(item, hostPath, "user"),
                identity is null ? null : Path.GetFullPath(ExpandHome(identity, userHome)),
                reader.Text(item, hostPath, "dstack_dir"),
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

    /// <summary>Where <paramref name="node"/>, the value of <paramref name="key"/>, was written.</summary>
    private static SettingOrigin Origin(NodeReader reader, YamlNode node, string key) => new(reader.File, (int)node.Start.Line, (int)node.Start.Column, key);

    private static ConfigurationException Invalid(IReadOnlyList<ConfigError> errors) => new(errors, ConfigurationKind.Settings);

    /// <summary>Whether <paramref name="text"/> is an absolute http:// or https:// URL.</summary>
    internal static bool IsHttpUrl(string text) => Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
