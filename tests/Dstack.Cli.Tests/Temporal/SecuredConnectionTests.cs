using System.CommandLine;
using Dstack.Core.Settings;
using Dstack.TemporalServer.Hosting;
using Dstack.Workflows;
using Dstack.Workflows.Connection;
using Spectre.Console.Testing;
using Temporalio.Client;
using Temporalio.Worker;

namespace Dstack.Cli.Tests.Temporal;

/// <summary>
/// The CLI against the embedded server serving TLS, mutual TLS and an API key, with certificates of a CA made by the
/// test, configured only through config.yml and environment variables: the right credentials connect and carry a
/// workflow to its end; each wrong one ends the command with exit code 2 and one line naming the setting to check.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecuredConnectionTests : IAsyncLifetime
{
    private const string RightKey = "right-key-0123456789";
    private readonly TestCertificates _certificates = TestCertificates.Create();
    private readonly string _home = Directory.CreateTempSubdirectory("dstack-home-").FullName;
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);
    private readonly List<EmbeddedTemporalServer> _servers = [];

    private string ConfigFile => Path.Combine(_home, "config.yml");

    public Task InitializeAsync()
    {
        _variables["HOME"] = _home;
        _variables["DSTACK_HOME"] = _home;
        Secret("client.pem", _certificates.ClientCertificatePem);
        Secret("client-key.pem", _certificates.ClientKeyPem);
        Secret("stranger.pem", _certificates.StrangerCertificatePem);
        Secret("stranger-key.pem", _certificates.StrangerKeyPem);
        Secret("right.key", RightKey + "\n");
        Secret("wrong.key", "wrong-key-0123456789\n");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        _certificates.Dispose();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task MutualTlsAndApiKey_RightCredentials_CommandsConnectAndAWorkflowCompletes()
    {
        var server = await StartAsync(mutualTls: true, apiKey: true);
        Config(server, "api_key_file: right.key", "tls:", "  client_cert: client.pem", "  client_key: client-key.pem", "  server_ca: " + _certificates.CaPath);

        var (exitCode, output) = await RunAsync("ps");
        var client = await TemporalClientFactory.ConnectAsync(LoadSettings().Temporal);
        var queue = $"q-{Guid.NewGuid():N}";
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue).AddWorkflow<FakeRunWorkflow>());
        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await client.StartWorkflowAsync((FakeRunWorkflow wf) => wf.RunAsync(), new($"secured-{Guid.NewGuid():N}", queue));
            await handle.SignalAsync(wf => wf.StopAsync());
            return await handle.GetResultAsync();
        });

        Assert.True(exitCode == 0, output);
        Assert.Equal("stop", result);
    }

    [Fact]
    public async Task ApiKeyOverPlainGrpc_FromDstackVariables_Connects()
    {
        var server = await StartAsync(mutualTls: null, apiKey: true);
        _variables["DSTACK_TEMPORAL_ADDRESS"] = server.Address;
        _variables["DSTACK_TEMPORAL_API_KEY"] = RightKey;
        _variables["DSTACK_TEMPORAL_TLS"] = "false";

        var (exitCode, output) = await RunAsync("ps");

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task TlsAndApiKey_FromTemporalVariablesOnly_Connects()
    {
        var server = await StartAsync(mutualTls: false, apiKey: true);
        _variables["TEMPORAL_ADDRESS"] = server.Address;
        _variables["TEMPORAL_API_KEY"] = RightKey;
        _variables["TEMPORAL_TLS_SERVER_CA_CERT_PATH"] = _certificates.CaPath;

        var (exitCode, output) = await RunAsync("ps");

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task WrongApiKey_OneLineNamingTheKeysSetting()
    {
        var server = await StartAsync(mutualTls: true, apiKey: true);
        Config(server, "api_key_file: wrong.key", "tls:", "  client_cert: client.pem", "  client_key: client-key.pem", "  server_ca: " + _certificates.CaPath);

        await AssertRefusedAsync(
            $"error: the Temporal server at {server.Address} refused the API key from temporal.api_key_file in {ConfigFile}:3 "
            + "(Unauthenticated: Request unauthenticated: the API key is not this server's.); check that it is a valid key for namespace default.");
    }

    [Fact]
    public async Task WrongApiKey_DstackWorker_SameOneLine()
    {
        var server = await StartAsync(mutualTls: null, apiKey: true);
        Config(server, "api_key_file: wrong.key", "tls:", "  disabled: true");

        await AssertRefusedAsync(
            $"error: the Temporal server at {server.Address} refused the API key from temporal.api_key_file in {ConfigFile}:3 "
            + "(Unauthenticated: Request unauthenticated: the API key is not this server's.); check that it is a valid key for namespace default.",
            "worker");
    }

    [Fact]
    public async Task NoApiKey_OneLineSayingWhichSettingsGiveOne()
    {
        var server = await StartAsync(mutualTls: null, apiKey: true);
        Config(server);

        // Without a key it may as well be another user's dstack server, which the line says first.
        var (exitCode, output) = await RunAsync("ps");
        Assert.Equal(2, exitCode);
        Assert.StartsWith($"error: the dstack server at {server.Address} is not yours: it admits only its owner", output, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', output.TrimEnd());
        Assert.EndsWith(
            $"If it is a secured Temporal server instead: the Temporal server at {server.Address} wants credentials (Unauthenticated: Request unauthenticated: this server requires its API key, as the "
            + "`authorization: Bearer <key>` gRPC metadata (the Temporal SDKs' ApiKey option) or the `Authorization: Bearer <key>` HTTP header.); set an API key with "
            + "temporal.api_key_file or temporal.api_key in config.yml, or DSTACK_TEMPORAL_API_KEY, or a client certificate with temporal.tls.client_cert and "
            + "temporal.tls.client_key (or DSTACK_TEMPORAL_TLS_CLIENT_CERT and DSTACK_TEMPORAL_TLS_CLIENT_KEY).",
            output.TrimEnd(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientCertificateOfAnotherCa_OneLineNamingTheCertificate()
    {
        var server = await StartAsync(mutualTls: true, apiKey: false);
        Config(server, "tls:", "  client_cert: stranger.pem", "  client_key: stranger-key.pem", "  server_ca: " + _certificates.CaPath);

        await AssertRefusedAsync(
            $"error: the Temporal server at {server.Address} did not accept the client certificate from temporal.tls.client_cert in {ConfigFile}:4 "
            + "(it closed the TLS connection); it must be signed by a CA the server trusts: check temporal.tls.client_cert and temporal.tls.client_key.");
    }

    [Fact]
    public async Task NoClientCertificateForAnMtlsServer_OneLineSayingToSetOne()
    {
        var server = await StartAsync(mutualTls: true, apiKey: false);
        Config(server, "tls:", "  server_ca: " + _certificates.CaPath);

        await AssertRefusedAsync(
            $"error: the Temporal server at {server.Address} wants a client certificate (mutual TLS; it closed the TLS connection); set temporal.tls.client_cert "
            + "and temporal.tls.client_key (or DSTACK_TEMPORAL_TLS_CLIENT_CERT and DSTACK_TEMPORAL_TLS_CLIENT_KEY).");
    }

    [Fact]
    public async Task ServerNameMismatch_OneLineWithTheCertificatesNames()
    {
        var server = await StartAsync(mutualTls: false, apiKey: false);
        Config(server, "tls:", "  server_ca: " + _certificates.CaPath, "  server_name: temporal.example.com");

        await AssertRefusedAsync(
            $"error: the Temporal server at {server.Address} presented a certificate for localhost, 127.0.0.1, not for temporal.example.com from "
            + $"temporal.tls.server_name in {ConfigFile}:5; set temporal.tls.server_name (DSTACK_TEMPORAL_TLS_SERVER_NAME) to a name it carries, or connect by one.");
    }

    [Fact]
    public async Task ServerCertificateOfAnUntrustedCa_OneLineSayingToSetTheCa()
    {
        var server = await StartAsync(mutualTls: false, apiKey: false);
        _variables["DSTACK_TEMPORAL_ADDRESS"] = server.Address;
        _variables["DSTACK_TEMPORAL_TLS"] = "true";

        await AssertRefusedAsync(
            $"error: the Temporal server at {server.Address} presented a certificate signed by a CA this client does not trust; set temporal.tls.server_ca "
            + "(DSTACK_TEMPORAL_TLS_SERVER_CA) to the PEM file of the CA that signed it.");
    }

    [Fact]
    public async Task TlsAgainstAPlainServer_OneLineSayingWhatTurnedTlsOn()
    {
        var server = await StartAsync(mutualTls: null, apiKey: true);
        Config(server, "api_key_file: right.key");

        await AssertRefusedAsync(
            $"error: the Temporal server at {server.Address} does not use TLS, but TLS is on (an API key turns it on, and one is set from temporal.api_key_file in "
            + $"{ConfigFile}:3); set temporal.tls.disabled: true (DSTACK_TEMPORAL_TLS=false), or check the address.");
    }

    [Fact]
    public async Task PlainAgainstATlsServer_OneLineSayingToTurnTlsOn()
    {
        var server = await StartAsync(mutualTls: false, apiKey: false);
        Config(server);

        await AssertRefusedAsync(
            $"error: the Temporal server at {server.Address} closed the connection: it probably wants TLS, which is off; set DSTACK_TEMPORAL_TLS=true "
            + "(or a temporal.tls section) and, for a private CA, temporal.tls.server_ca.");
    }

    /// <summary>Runs a command that needs Temporal and checks it ends with exit code 2 and exactly <paramref name="expected"/>.</summary>
    private async Task AssertRefusedAsync(string expected, string command = "ps")
    {
        var (exitCode, output) = await RunAsync(command);

        // The whole of both lines on a mismatch: the SDK's wording of a refusal varies, and the tail says which one came.
        Assert.True(expected == output.TrimEnd(), $"expected:\n{expected}\nactual:\n{output.TrimEnd()}");
        Assert.Equal(2, exitCode);
    }

    /// <param name="mutualTls">Null: plain gRPC; false: TLS; true: TLS requiring client certificates of the test's CA.</param>
    /// <param name="apiKey">Whether every call must carry <see cref="RightKey"/>.</param>
    private async Task<EmbeddedTemporalServer> StartAsync(bool? mutualTls, bool apiKey)
    {
        var server = await EmbeddedTemporalServer.StartAsync("127.0.0.1", 0, options =>
        {
            options.ApiKey = apiKey ? RightKey : null;
            options.Tls = mutualTls is { } clientCa
                ? new TemporalServerTls(_certificates.ServerCertificatePath, _certificates.ServerKeyPath, clientCa ? _certificates.CaPath : null)
                : null;
            foreach (var key in DstackSearchAttributes.All)
            {
                options.SearchAttributes[key.Name] = key.ValueType;
            }
        });
        _servers.Add(server);
        return server;
    }

    /// <summary>Writes config.yml: the server's address, then <paramref name="lines"/> under <c>temporal:</c>.</summary>
    private void Config(EmbeddedTemporalServer server, params string[] lines) =>
        File.WriteAllText(ConfigFile, string.Join('\n', ["temporal:", $"  address: {server.Address}", .. lines.Select(l => "  " + l)]) + "\n");

    private DstackSettings LoadSettings() => new SettingsLoader(Variable, new TemporalEnvConfigSource()).Load();

    private string? Variable(string name) => _variables.GetValueOrDefault(name);

    private async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        // Wide enough that no message wraps: one line must stay one line, as when the CLI's output is piped.
        var console = new TestConsole();
        console.Profile.Width = 4096;
        using var output = new StringWriter();
        var context = CliContext.CreateDefault(console, Variable) with
        {
            ReadRepoIdAsync = (_, _) => Task.FromResult(TestHome.RepoId),
        };

        var exitCode = await DstackCli.RunAsync(args, console, context, new InvocationConfiguration { Output = output, Error = output });

        return (exitCode, console.Output + output);
    }

    private void Secret(string name, string content)
    {
        var path = Path.Combine(_home, name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
