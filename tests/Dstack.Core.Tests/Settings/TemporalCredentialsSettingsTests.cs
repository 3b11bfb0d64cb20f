using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Dstack.Core.Configuration;
using Dstack.Core.Settings;

namespace Dstack.Core.Tests.Settings;

/// <summary>The <c>temporal:</c> keys and <c>DSTACK_TEMPORAL_*</c> variables of an API key and TLS, and their checks.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TemporalCredentialsSettingsTests : IDisposable
{
    private const string Key = "sEcReT-kEy-0123456789";
    private readonly TempDirectory _dir = new();

    public TemporalCredentialsSettingsTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=client", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        Secret("home/certs/client.pem", certificate.ExportCertificatePem());
        Secret("home/certs/client-key.pem", key.ExportPkcs8PrivateKeyPem());
        Secret("home/certs/ca.pem", certificate.ExportCertificatePem());
        Secret("home/api.key", Key + "\n");
    }

    public void Dispose() => _dir.Dispose();

    private string ConfigFile => _dir.Combine("home", "config.yml");

    [Fact]
    public void Load_ApiKeyFileAndTls_PathsFromTheConfigFolderAndHome()
    {
        Secret("home/config.yml", """
            temporal:
              address: ns.a1b2c.tmprl.cloud:7233
              namespace: ns.a1b2c
              api_key_file: api.key
              tls:
                client_cert: certs/client.pem
                client_key: ~/home/certs/client-key.pem
                server_ca: certs/ca.pem
                server_name: ns.a1b2c.tmprl.cloud
            """);

        var temporal = Loader().Load().Temporal;

        Assert.Equal(Key, temporal.ApiKey?.Reveal());
        var tls = Assert.IsType<TemporalTlsSettings>(temporal.Tls);
        Assert.False(tls.Disabled);
        Assert.Equal(_dir.Combine("home", "certs", "client.pem"), tls.ClientCert?.Path);
        Assert.Equal(_dir.Combine("home", "certs", "client-key.pem"), tls.ClientKey?.Path);
        Assert.Equal(_dir.Combine("home", "certs", "ca.pem"), tls.ServerCa?.Path);
        Assert.Equal("ns.a1b2c.tmprl.cloud", tls.ServerName);
        Assert.False(temporal.AddressIsDefault);
        Assert.Equal($"temporal.api_key_file in {ConfigFile}:4", temporal.OriginOf(TemporalSettingNames.ApiKey)?.ToString());
        Assert.Equal($"temporal.tls.client_key in {ConfigFile}:7", temporal.OriginOf(TemporalSettingNames.ClientKey)?.ToString());
    }

    [Fact]
    public void Load_InlineApiKeyInPrivateFile_Read()
    {
        Secret("home/config.yml", $"temporal:\n  api_key: {Key}\n");

        var temporal = Loader().Load().Temporal;

        Assert.Equal(Key, temporal.ApiKey?.Reveal());
        Assert.Null(temporal.Tls);
        Assert.True(temporal.UsesTls); // the SDK's rule: an API key without TLS settings turns TLS on
    }

    [Fact]
    public void Load_InlineApiKeyInFileOthersCanRead_RefusedWithTheChmodToRun()
    {
        var file = _dir.Write("home/config.yml", $"temporal:\n  api_key: {Key}\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        var error = Assert.Single(e.Errors);
        Assert.Equal((file, 2, 12, "temporal.api_key"), (error.File, error.Line, error.Column, error.Path));
        Assert.Contains($"mode 0644 lets other users read it; run `chmod 600 {file}`", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ApiKeyFileOthersCanRead_RefusedWithTheChmodToRun()
    {
        Secret("home/config.yml", "temporal:\n  api_key_file: api.key\n");
        var keyFile = _dir.Combine("home", "api.key");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        Assert.Equal(
            $"{ConfigFile}:2:17: temporal.api_key_file: {keyFile} holds an API key, but its mode 0640 lets other users read it; run `chmod 600 {keyFile}`",
            Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void Load_ClientKeyOthersCanRead_RefusedWithTheChmodToRun()
    {
        Secret("home/config.yml", "temporal:\n  tls:\n    client_cert: certs/client.pem\n    client_key: certs/client-key.pem\n");
        var keyFile = _dir.Combine("home", "certs", "client-key.pem");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        Assert.Equal(
            $"{ConfigFile}:4:17: temporal.tls.client_key: {keyFile} holds a private key, but its mode 0604 lets other users read it; run `chmod 600 {keyFile}`",
            Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void Load_BadValues_EachLocatedWithWhatWasExpected()
    {
        Secret("home/config.yml", """
            temporal:
              api_key: inline
              api_key_file: api.key
              tls:
                client_key: certs/client-key.pem
                server_ca: certs/missing.pem
                disabled: maybe
                port: 1
            """);

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        Assert.Equal(
            [
                $"{ConfigFile}:3:17: temporal.api_key_file: set either temporal.api_key or temporal.api_key_file, not both",
                $"{ConfigFile}:8:5: temporal.tls.port: unknown key 'port'; expected one of: client_cert, client_key, server_ca, server_name, disabled",
                $"{ConfigFile}:7:15: temporal.tls.disabled: expected true or false, found 'maybe'",
            ],
            e.Errors.Select(error => error.ToString()));
    }

    [Fact]
    public void Load_KeyWithoutCertificateAndMissingCa_LocatedAtTheirKeys()
    {
        Secret("home/config.yml", "temporal:\n  tls:\n    client_key: certs/client-key.pem\n    server_ca: certs/missing.pem\n");

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        Assert.Equal(
            [
                $"{ConfigFile}:4:16: temporal.tls.server_ca: expected a file with a CA certificate (PEM), found no file at {_dir.Combine("home", "certs", "missing.pem")}",
                $"{ConfigFile}:3:17: temporal.tls.client_key: a client key needs its certificate: set temporal.tls.client_cert (or DSTACK_TEMPORAL_TLS_CLIENT_CERT) to the PEM file of the certificate it belongs to",
            ],
            e.Errors.Select(error => error.ToString()));
    }

    [Fact]
    public void Load_CertificateFileThatIsNotPem_Refused()
    {
        Secret("home/certs/notes.txt", "hello");
        Secret("home/config.yml", "temporal:\n  tls:\n    server_ca: certs/notes.txt\n");

        var e = Assert.Throws<ConfigurationException>(() => Loader().Load());

        Assert.Equal(
            $"{ConfigFile}:3:16: temporal.tls.server_ca: expected a CA certificate in PEM format (a -----BEGIN CERTIFICATE----- block), found none in {_dir.Combine("home", "certs", "notes.txt")}",
            Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void Load_TlsDisabledWithApiKey_PlainWithTheKey()
    {
        Secret("home/config.yml", "temporal:\n  api_key_file: api.key\n  tls:\n    disabled: true\n");

        var temporal = Loader().Load().Temporal;

        Assert.True(temporal.Tls?.Disabled);
        Assert.False(temporal.UsesTls);
        Assert.Equal(Key, temporal.ApiKey?.Reveal());
    }

    [Fact]
    public void Load_Variables_OverrideTheFileAndAreReadFromTheCurrentFolder()
    {
        Secret("home/config.yml", "temporal:\n  api_key: from-file\n  tls:\n    disabled: true\n");
        Secret("other.key", "from-variable-file");

        var temporal = Loader(new()
        {
            ["DSTACK_TEMPORAL_API_KEY_FILE"] = _dir.Combine("other.key"),
            ["DSTACK_TEMPORAL_TLS_CLIENT_CERT"] = "~/home/certs/client.pem",
            ["DSTACK_TEMPORAL_TLS_CLIENT_KEY"] = _dir.Combine("home", "certs", "client-key.pem"),
            ["DSTACK_TEMPORAL_TLS_SERVER_NAME"] = "temporal.internal",
        }).Load().Temporal;

        Assert.Equal("from-variable-file", temporal.ApiKey?.Reveal());
        var tls = Assert.IsType<TemporalTlsSettings>(temporal.Tls);
        Assert.False(tls.Disabled); // a layer that sets TLS values turns TLS on, over the file's disabled: true
        Assert.Equal(_dir.Combine("home", "certs", "client.pem"), tls.ClientCert?.Path);
        Assert.Equal("temporal.internal", tls.ServerName);
        Assert.Equal("environment variable DSTACK_TEMPORAL_TLS_CLIENT_CERT", temporal.OriginOf(TemporalSettingNames.ClientCert)?.ToString());
    }

    [Theory]
    [InlineData("false", true)]
    [InlineData("true", false)]
    public void Load_TlsVariable_TurnsTlsOnOrOff(string value, bool disabled)
    {
        Secret("home/config.yml", "temporal:\n  tls:\n    server_name: example\n");

        var temporal = Loader(new() { ["DSTACK_TEMPORAL_TLS"] = value, ["DSTACK_TEMPORAL_API_KEY"] = Key }).Load().Temporal;

        Assert.Equal(disabled, temporal.Tls?.Disabled);
        Assert.Equal("example", temporal.Tls?.ServerName);
    }

    [Fact]
    public void Load_BadVariables_NamedWithWhatWasExpected()
    {
        var e = Assert.Throws<ConfigurationException>(() => Loader(new()
        {
            ["DSTACK_TEMPORAL_TLS"] = "yes",
            ["DSTACK_TEMPORAL_API_KEY"] = "two words",
        }).Load());

        Assert.Equal(
            [
                "environment variable DSTACK_TEMPORAL_API_KEY: expected an API key of printable ASCII characters without spaces or line breaks (as a gRPC header carries it), found other characters",
                "environment variable DSTACK_TEMPORAL_TLS: expected true (TLS on) or false (TLS off), found 'yes'",
            ],
            e.Errors.Select(error => error.ToString()));
    }

    [Fact]
    public void Load_BothKeyVariables_Refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => Loader(new()
        {
            ["DSTACK_TEMPORAL_API_KEY"] = Key,
            ["DSTACK_TEMPORAL_API_KEY_FILE"] = _dir.Combine("home", "api.key"),
        }).Load());

        Assert.Equal(
            "environment variable DSTACK_TEMPORAL_API_KEY_FILE: set either DSTACK_TEMPORAL_API_KEY or DSTACK_TEMPORAL_API_KEY_FILE, not both",
            Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void Load_MissingKeyFileVariable_NamesThePath()
    {
        var missing = _dir.Combine("nowhere.key");

        var e = Assert.Throws<ConfigurationException>(() => Loader(new() { ["DSTACK_TEMPORAL_API_KEY_FILE"] = missing }).Load());

        Assert.Equal($"environment variable DSTACK_TEMPORAL_API_KEY_FILE: expected a file with the API key, found no file at {missing}", Assert.Single(e.Errors).ToString());
    }

    [Fact]
    public void Settings_PrintedOrInErrors_NeverShowTheKeyOrPrivateKey()
    {
        Secret("home/config.yml", "temporal:\n  api_key_file: api.key\n  tls:\n    client_cert: certs/client.pem\n    client_key: certs/client-key.pem\n");
        var privateKey = File.ReadAllText(_dir.Combine("home", "certs", "client-key.pem"));

        var settings = Loader().Load();
        var inline = PemSource.FromText(privateKey);

        var printed = $"{settings} {settings.Temporal} {settings.Temporal.Tls} {inline}";
        Assert.DoesNotContain(Key, printed, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", printed, StringComparison.Ordinal);
        Assert.Contains("ApiKey = ***", printed, StringComparison.Ordinal);
        Assert.EndsWith(" inline PEM", printed, StringComparison.Ordinal);
    }

    private SettingsLoader Loader(Dictionary<string, string>? extra = null)
    {
        var variables = new Dictionary<string, string> { ["HOME"] = _dir.Path, ["DSTACK_HOME"] = _dir.Combine("home") };
        foreach (var (k, v) in extra ?? [])
        {
            variables[k] = v;
        }

        return new SettingsLoader(name => variables.GetValueOrDefault(name));
    }

    /// <summary>Writes a file only its owner may read, as secrets must be.</summary>
    private void Secret(string relative, string content)
    {
        var file = _dir.Write(relative, content);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
