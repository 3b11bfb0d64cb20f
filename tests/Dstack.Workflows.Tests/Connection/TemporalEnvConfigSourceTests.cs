using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dstack.Core.Configuration;
using Dstack.Core.Settings;
using Dstack.Workflows.Connection;

namespace Dstack.Workflows.Tests.Connection;

/// <summary>
/// The Temporal SDK's environment configuration (TEMPORAL_* variables over a temporal.toml profile) as the layer under
/// dstack's temporal: keys and DSTACK_TEMPORAL_* variables, read by the real SettingsLoader and the SDK's loader.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TemporalEnvConfigSourceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dstack-envconfig-").FullName;
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    public TemporalEnvConfigSourceTests()
    {
        _variables["HOME"] = _root;
        _variables["DSTACK_HOME"] = Path.Combine(_root, ".dstack");
    }

    private string DefaultToml => Path.Combine(_root, ".config", "temporalio", "temporal.toml");

    private string DstackConfig => Path.Combine(_root, ".dstack", "config.yml");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void NothingSet_TemporalDefaults()
    {
        var temporal = Load();

        Assert.Equal(TemporalSettings.DefaultAddress, temporal.Address);
        Assert.True(temporal.AddressIsDefault);
        Assert.Equal("default", temporal.Namespace);
        Assert.Null(temporal.ApiKey);
        Assert.Null(temporal.Tls);
    }

    [Fact]
    public void TemporalVariables_AChosenAddressWithKeyAndTls()
    {
        var (cert, key) = WriteClientCertificate();
        _variables["TEMPORAL_ADDRESS"] = "ns.a1b2c.tmprl.cloud:7233";
        _variables["TEMPORAL_NAMESPACE"] = "ns.a1b2c";
        _variables["TEMPORAL_API_KEY"] = "the-key";
        _variables["TEMPORAL_TLS_CLIENT_CERT_PATH"] = cert;
        _variables["TEMPORAL_TLS_CLIENT_KEY_PATH"] = key;

        var temporal = Load();

        Assert.Equal("ns.a1b2c.tmprl.cloud:7233", temporal.Address);
        Assert.False(temporal.AddressIsDefault);
        Assert.Equal("ns.a1b2c", temporal.Namespace);
        Assert.Equal("the-key", temporal.ApiKey?.Reveal());
        Assert.Equal(cert, temporal.Tls?.ClientCert?.Path);
        Assert.Equal(key, temporal.Tls?.ClientKey?.Path);
        Assert.False(temporal.Tls?.Disabled);
        Assert.Equal("environment variable TEMPORAL_API_KEY", temporal.OriginOf(TemporalSettingNames.ApiKey)?.ToString());
        Assert.Equal("environment variable TEMPORAL_TLS_CLIENT_KEY_PATH", temporal.OriginOf(TemporalSettingNames.ClientKey)?.ToString());
    }

    [Fact]
    public void DefaultTomlInTheUsersConfigFolder_ItsDefaultProfile()
    {
        var (cert, _) = WriteClientCertificate();
        var certificate = File.ReadAllText(cert);
        Write(DefaultToml, $"""
            [profile.default]
            address = "temporal.internal:7233"
            namespace = "research"
            api_key = "toml-key"

            [profile.default.tls]
            server_name = "temporal.internal"
            server_ca_cert_data = '''
            {certificate}'''

            [profile.other]
            address = "other:7233"
            """);

        var temporal = Load();

        Assert.Equal("temporal.internal:7233", temporal.Address);
        Assert.False(temporal.AddressIsDefault);
        Assert.Equal("research", temporal.Namespace);
        Assert.Equal("toml-key", temporal.ApiKey?.Reveal());
        Assert.Equal("temporal.internal", temporal.Tls?.ServerName);
        Assert.Null(temporal.Tls?.ServerCa?.Path); // inline, and printed as such
        Assert.Equal("inline PEM", temporal.Tls?.ServerCa?.ToString());
        Assert.Equal(certificate.Trim(), System.Text.Encoding.UTF8.GetString(temporal.Tls!.ServerCa!.ReadBytes()).Trim());
        Assert.Equal($"profile.default.api_key in {DefaultToml}", temporal.OriginOf(TemporalSettingNames.ApiKey)?.ToString());
        Assert.Equal($"profile.default.tls.server_ca_cert_data in {DefaultToml}", temporal.OriginOf(TemporalSettingNames.ServerCa)?.ToString());
    }

    [Fact]
    public void XdgConfigHome_WinsOverHome()
    {
        Write(DefaultToml, "[profile.default]\naddress = \"home:7233\"\n");
        var xdg = Path.Combine(_root, "xdg");
        Write(Path.Combine(xdg, "temporalio", "temporal.toml"), "[profile.default]\naddress = \"xdg:7233\"\n");
        _variables["XDG_CONFIG_HOME"] = xdg;

        Assert.Equal("xdg:7233", Load().Address);
    }

    [Fact]
    public void TemporalProfileAndConfigFile_PickTheFileAndProfile()
    {
        var file = Write(Path.Combine(_root, "elsewhere.toml"), "[profile.default]\naddress = \"a:1\"\n[profile.prod]\naddress = \"prod:7233\"\nnamespace = \"prod\"\n");
        _variables["TEMPORAL_CONFIG_FILE"] = file;
        _variables["TEMPORAL_PROFILE"] = "prod";

        var temporal = Load();

        Assert.Equal(("prod:7233", "prod"), (temporal.Address, temporal.Namespace));
    }

    /// <summary>Each layer wins over the ones under it: temporal.toml &lt; TEMPORAL_* &lt; config.yml &lt; DSTACK_TEMPORAL_*.</summary>
    [Theory]
    [InlineData(1, "toml:7233")]
    [InlineData(2, "temporal-variable:7233")]
    [InlineData(3, "config-yml:7233")]
    [InlineData(4, "dstack-variable:7233")]
    public void Layers_EachWinsOverTheOnesUnderIt(int layers, string expected)
    {
        Write(DefaultToml, "[profile.default]\naddress = \"toml:7233\"\nnamespace = \"from-toml\"\napi_key = \"toml-key\"\n");
        if (layers >= 2)
        {
            _variables["TEMPORAL_ADDRESS"] = "temporal-variable:7233";
        }

        if (layers >= 3)
        {
            Write(DstackConfig, "temporal:\n  address: config-yml:7233\n  tls:\n    disabled: true\n");
        }

        if (layers >= 4)
        {
            _variables["DSTACK_TEMPORAL_ADDRESS"] = "dstack-variable:7233";
            _variables["DSTACK_TEMPORAL_API_KEY"] = "dstack-key";
        }

        var temporal = Load();

        Assert.Equal(expected, temporal.Address);
        Assert.False(temporal.AddressIsDefault);
        Assert.Equal("from-toml", temporal.Namespace); // no upper layer names one: each value is laid over on its own
        Assert.Equal(layers >= 4 ? "dstack-key" : "toml-key", temporal.ApiKey?.Reveal());
        Assert.Equal(layers >= 3, temporal.Tls?.Disabled ?? false);
    }

    [Fact]
    public void DstackTlsOff_WinsOverTemporalTlsVariables()
    {
        var (cert, key) = WriteClientCertificate();
        _variables["TEMPORAL_TLS_CLIENT_CERT_PATH"] = cert;
        _variables["TEMPORAL_TLS_CLIENT_KEY_PATH"] = key;
        _variables["DSTACK_TEMPORAL_TLS"] = "false";

        var temporal = Load();

        Assert.True(temporal.Tls?.Disabled);
        Assert.False(temporal.UsesTls);
    }

    [Fact]
    public void BrokenToml_OneErrorWithFileLineAndColumn()
    {
        Write(DefaultToml, "[profile.default\naddress = \"a:1\"\n");

        var e = Assert.Throws<ConfigurationException>(Load);

        Assert.Equal($"{DefaultToml}:1:17: invalid Temporal config file: unclosed table, expected `]`", Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void TomlValueOfTheWrongType_Located()
    {
        Write(DefaultToml, "[profile.default]\naddress = 7233\n");

        var e = Assert.Throws<ConfigurationException>(Load);

        Assert.Equal($"{DefaultToml}:2:11: invalid Temporal config file: invalid type: integer `7233`, expected a string", Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void MissingConfigFileVariable_NamesThePath()
    {
        var missing = Path.Combine(_root, "missing.toml");
        _variables["TEMPORAL_CONFIG_FILE"] = missing;

        var e = Assert.Throws<ConfigurationException>(Load);

        Assert.Equal($"environment variable TEMPORAL_CONFIG_FILE: expected a Temporal config file (TOML), found no file at {missing}", Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void UnknownProfile_ListsTheFilesProfiles()
    {
        Write(DefaultToml, "[profile.default]\naddress = \"a:1\"\n[profile.staging]\naddress = \"b:1\"\n");
        _variables["TEMPORAL_PROFILE"] = "prod";

        var e = Assert.Throws<ConfigurationException>(Load);

        Assert.Equal(
            $"environment variable TEMPORAL_PROFILE: names the profile 'prod', which {DefaultToml} does not have (it has default, staging)",
            Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void TemporalTlsNotABoolean_Refused()
    {
        _variables["TEMPORAL_TLS"] = "yes";

        var e = Assert.Throws<ConfigurationException>(Load);

        Assert.Equal("environment variable TEMPORAL_TLS: expected true or false, found 'yes'", Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void TemporalTlsFalseWithApiKey_PlainWithTheKey()
    {
        _variables["TEMPORAL_API_KEY"] = "k";
        _variables["TEMPORAL_TLS"] = "false";

        var temporal = Load();

        Assert.True(temporal.Tls?.Disabled);
        Assert.Equal("k", temporal.ApiKey?.Reveal());
    }

    [Fact]
    public void ProfileClientKeyOthersCanRead_RefusedWithTheChmodToRun()
    {
        var (cert, key) = WriteClientCertificate();
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Write(DefaultToml, $"[profile.default.tls]\nclient_cert_path = \"{cert}\"\nclient_key_path = \"{key}\"\n");

        var e = Assert.Throws<ConfigurationException>(Load);

        Assert.Equal(
            $"{DefaultToml}: profile.default.tls.client_key_path: {key} holds a private key, but its mode 0640 lets other users read it; run `chmod 600 {key}`",
            Assert.Single(e.Errors).ToString());
    }

    private TemporalSettings Load() =>
        new SettingsLoader(name => _variables.GetValueOrDefault(name), new TemporalEnvConfigSource()).Load().Temporal;

    private static string Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private (string Certificate, string Key) WriteClientCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=client", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Write(Path.Combine(_root, "certs", "client.pem"), certificate.ExportCertificatePem());
        var keyPath = Write(Path.Combine(_root, "certs", "client-key.pem"), key.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (certificatePath, keyPath);
    }
}
