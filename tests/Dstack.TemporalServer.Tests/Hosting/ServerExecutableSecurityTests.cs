using System.Diagnostics;
using System.Text.RegularExpressions;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Dstack.TemporalServer.Tests.Hosting;

/// <summary>The executable's API key and TLS flags: open by default, and only the owner's key or certificate once set.</summary>
public sealed partial class ServerExecutableSecurityTests : IDisposable
{
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "dstack-temporal-server");
    private readonly string _directory = Directory.CreateTempSubdirectory("dstack-exe-key-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task StartDev_ApiKeyFileReadableByOthers_RefusedWithTheChmodToRun()
    {
        var keyFile = WriteKey("the-key", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using var server = Start("--port", "0", "--headless", "--api-key-file", keyFile);

        var error = await server.StandardError.ReadToEndAsync();
        await server.WaitForExitAsync();

        Assert.Equal(2, server.ExitCode);
        Assert.Contains($"chmod 600 {keyFile}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartDev_EmptyApiKeyFile_Refused()
    {
        var keyFile = WriteKey("\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var server = Start("--port", "0", "--headless", "--api-key-file", keyFile);

        var error = await server.StandardError.ReadToEndAsync();
        await server.WaitForExitAsync();

        Assert.Equal(2, server.ExitCode);
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartDev_ApiKeyFile_AdmitsOnlyClientsWithTheKey()
    {
        var keyFile = WriteKey("the-key\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var server = Start("--port", "0", "--headless", "--api-key-file", keyFile);
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync() ?? string.Empty;
            Assert.Contains("API key required", ready, StringComparison.Ordinal);
            var address = Address().Match(ready).Value;

            var stranger = await TemporalClient.ConnectAsync(new(address));
            var error = await Assert.ThrowsAsync<RpcException>(() => stranger.CountWorkflowsAsync(string.Empty));
            var owner = await TemporalClient.ConnectAsync(new(address) { ApiKey = "the-key", Tls = new TlsOptions { Disabled = true } });

            Assert.Equal(RpcException.StatusCode.Unauthenticated, error.Code);
            Assert.Equal(0L, (await owner.CountWorkflowsAsync(string.Empty)).Count);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task StartDev_TlsFlags_ServeTlsToClientsWithACertificate()
    {
        using var certificates = TestCertificates.Create();
        using var server = Start(
            "--port", "0", "--headless",
            "--tls-cert-path", certificates.ServerCertificatePath,
            "--tls-key-path", certificates.ServerKeyPath,
            "--tls-client-ca-path", certificates.CaPath);
        try
        {
            var ready = await server.StandardOutput.ReadLineAsync() ?? string.Empty;
            Assert.Contains("mutual TLS", ready, StringComparison.Ordinal);

            var client = await TemporalClient.ConnectAsync(new(Address().Match(ready).Value)
            {
                Tls = new TlsOptions
                {
                    ServerRootCACert = System.Text.Encoding.ASCII.GetBytes(certificates.CaPem),
                    Domain = "localhost",
                    ClientCert = System.Text.Encoding.ASCII.GetBytes(certificates.ClientCertificatePem),
                    ClientPrivateKey = System.Text.Encoding.ASCII.GetBytes(certificates.ClientKeyPem),
                },
            });

            Assert.Equal(0L, (await client.CountWorkflowsAsync(string.Empty)).Count);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task StartDev_TlsCertWithoutKey_ExitsWithClearError()
    {
        using var server = Start("--port", "0", "--headless", "--tls-cert-path", "cert.pem");

        var error = await server.StandardError.ReadToEndAsync();
        await server.WaitForExitAsync();

        Assert.Equal(2, server.ExitCode);
        Assert.Contains("--tls-key-path", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartDev_Help_DocumentsTheSecurityFlags()
    {
        using var server = Start("--help");

        var help = await server.StandardOutput.ReadToEndAsync();
        await server.WaitForExitAsync();

        Assert.Contains("--api-key-file", help, StringComparison.Ordinal);
        Assert.Contains("--tls-cert-path", help, StringComparison.Ordinal);
        Assert.Contains("--tls-key-path", help, StringComparison.Ordinal);
        Assert.Contains("--tls-client-ca-path", help, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"127\.0\.0\.1:\d+")]
    private static partial Regex Address();

    private string WriteKey(string content, UnixFileMode mode)
    {
        var path = Path.Combine(_directory, $"key-{Guid.NewGuid():N}");
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }

        return path;
    }

    private static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("server");
        info.ArgumentList.Add("start-dev");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }
}
