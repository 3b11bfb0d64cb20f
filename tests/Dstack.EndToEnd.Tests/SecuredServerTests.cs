namespace Dstack.EndToEnd.Tests;

/// <summary>
/// The real `dstack`, `dstack worker` and `dstack-worker` processes against `dstack-temporal-server` serving mutual TLS
/// and requiring an API key, as a Temporal Cloud namespace does, configured only through config.yml and variables.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SecuredServerTests
{
    private const string Workflows = """
        workflows:
          - name: hello
            provider: bash
            commands:
              - echo "Hello over mTLS!"
        """;

    [Fact]
    public async Task Run_OverMutualTlsWithApiKey_CompletesThroughAWorkerProcess()
    {
        using var certificates = TestCertificates.Create();
        await using var sandbox = await StartAsync(certificates);
        await sandbox.StartWorkerAsync();

        var run = await sandbox.DstackAsync("run", "hello");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("Hello over mTLS!", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{RunSteps.RunName(run.Stdout)} done", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllText(Path.Combine(sandbox.Home, "api.key")).Trim(), run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongApiKey_CliAndBothWorkers_ExitWithOneLine()
    {
        using var certificates = TestCertificates.Create();
        await using var sandbox = await StartAsync(certificates);
        sandbox.Environment["DSTACK_TEMPORAL_API_KEY"] = "not-the-servers-key"; // wins over api_key_file in config.yml
        var expected = $"error: the Temporal server at {sandbox.Address} refused the API key from environment variable DSTACK_TEMPORAL_API_KEY "
            + "(Unauthenticated: Request unauthenticated: the API key is not this server's.); check that it is a valid key for namespace default.";

        var ps = await sandbox.DstackAsync("ps");
        var worker = await sandbox.DstackAsync("worker");
        var workerExecutable = await sandbox.RunAsync(WorkerExecutable(), [], sandbox.Repo);

        Assert.Equal((2, expected), (ps.ExitCode, ps.Output.Trim()));
        Assert.Equal((2, expected), (worker.ExitCode, worker.Output.Trim()));
        Assert.Equal((2, expected), (workerExecutable.ExitCode, workerExecutable.Output.Trim()));
    }

    /// <summary>
    /// A sandbox whose server requires client certificates of the test's CA and an API key, and whose config.yml names the
    /// client's certificate, key, CA and API key file (paths relative to the config file's folder).
    /// </summary>
    private static Task<DstackSandbox> StartAsync(TestCertificates certificates) => DstackSandbox.CreateAsync(async sandbox =>
    {
        Secret(Path.Combine(sandbox.Home, "client.pem"), certificates.ClientCertificatePem);
        Secret(Path.Combine(sandbox.Home, "client-key.pem"), certificates.ClientKeyPem);
        Secret(Path.Combine(sandbox.Home, "ca.pem"), certificates.CaPem);
        Secret(Path.Combine(sandbox.Home, "api.key"), $"key-{Guid.NewGuid():N}\n");
        await File.WriteAllTextAsync(Path.Combine(sandbox.Home, "config.yml"), """
            temporal:
              api_key_file: api.key
              tls:
                client_cert: client.pem
                client_key: client-key.pem
                server_ca: ca.pem
            """);
        await sandbox.InitRepoAsync(Workflows);
        await sandbox.StartTemporalServerAsync(
            "--api-key-file", Path.Combine(sandbox.Home, "api.key"),
            "--tls-cert-path", certificates.ServerCertificatePath,
            "--tls-key-path", certificates.ServerKeyPath,
            "--tls-client-ca-path", certificates.CaPath);
    });

    /// <summary>
    /// The worker project's own build of dstack-worker: the copy beside these tests cannot start, since this project's
    /// ASP.NET framework reference leaves out the hosting packages that the worker carries itself.
    /// </summary>
    private static string WorkerExecutable() => Path.Combine(
        AppContext.BaseDirectory.Replace(Path.Combine("tests", "Dstack.EndToEnd.Tests"), Path.Combine("workers", "Dstack.Worker"), StringComparison.Ordinal),
        "dstack-worker");

    private static void Secret(string path, string content)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
