using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Dstack.TemporalServer.Tests.WebUi;

/// <summary>The UI flags of <c>dstack-temporal-server server start-dev</c>, as <c>temporal server start-dev</c> has them.</summary>
public sealed class WebUiExecutableTests
{
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "dstack-temporal-server");

    [WebUiFact]
    public async Task StartDev_UiPort_PrintsTheUiAddressAndServesTheApp()
    {
        var (port, uiPort) = (FreePort.Next(), FreePort.Next());
        using var server = Start("--port", port.ToString(CultureInfo.InvariantCulture), "--ui-port", uiPort.ToString(CultureInfo.InvariantCulture));
        try
        {
            Assert.Contains($"127.0.0.1:{port}", await server.StandardOutput.ReadLineAsync(), StringComparison.Ordinal);
            Assert.Equal($"Temporal UI: http://127.0.0.1:{uiPort}/", await server.StandardOutput.ReadLineAsync());

            using var browser = new HttpClient();
            using var page = await browser.GetAsync(new Uri($"http://127.0.0.1:{uiPort}/namespaces/default/workflows"));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    [WebUiFact]
    public async Task StartDev_ApiKeyFile_PrintsAOneTimeLoginUrl()
    {
        var keyFile = Path.GetTempFileName();
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(keyFile, "the-key");
        var (port, uiPort) = (FreePort.Next(), FreePort.Next());
        using var server = Start("--port", port.ToString(CultureInfo.InvariantCulture), "--ui-port", uiPort.ToString(CultureInfo.InvariantCulture), "--api-key-file", keyFile);
        try
        {
            await server.StandardOutput.ReadLineAsync();
            var line = await server.StandardOutput.ReadLineAsync() ?? string.Empty;
            var login = System.Text.RegularExpressions.Regex.Match(line, @"http://\S+").Value;
            Assert.StartsWith($"http://127.0.0.1:{uiPort}/?token=", login, StringComparison.Ordinal);

            using var browser = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false });
            using var closed = await browser.GetAsync(new Uri($"http://127.0.0.1:{uiPort}/"));
            using var opened = await browser.GetAsync(new Uri(login));
            Assert.Equal(HttpStatusCode.Unauthorized, closed.StatusCode);
            Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
            Assert.Contains(opened.Headers.GetValues("Set-Cookie"), c => c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            File.Delete(keyFile);
        }
    }

    [WebUiFact]
    public async Task StartDev_Headless_OpensNoUiPort()
    {
        var port = FreePort.Next();
        using var server = Start("--port", port.ToString(CultureInfo.InvariantCulture), "--headless");
        try
        {
            Assert.Contains($"127.0.0.1:{port}", await server.StandardOutput.ReadLineAsync(), StringComparison.Ordinal);

            // The default UI port is the gRPC port + 1000; with --headless nothing listens there.
            using var probe = new TcpClient();
            await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, port + 1000));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static Process Start(params string[] arguments)
    {
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true };
        info.ArgumentList.Add("server");
        info.ArgumentList.Add("start-dev");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }
}
