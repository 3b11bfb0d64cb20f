using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dstack.EndToEnd.Tests;

/// <summary>What the dev environment tests check on a printed URL: the notebook answers with the token only, and a real browser shows it.</summary>
public static partial class DevEnvironmentSteps
{
    public const string DevWorkflows = """
        workflows:
          - name: nb
            provider: notebook
            setup:
              - echo "setting up in $PWD"
          - name: idle
            provider: notebook
            idle_duration: 3s
          - name: lab
            provider: lab
          - name: ide
            provider: code
          - name: web
            provider: bash
            ports: 1
            commands:
              - python3 -u -m http.server "$PORT_0" --bind 127.0.0.1
        """;

    public static readonly IReadOnlyDictionary<string, string> Files = new Dictionary<string, string>
    {
        ["hello.ipynb"] = """{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}""",
        ["served.txt"] = "served by dstack\n",
    };

    /// <summary>A load takes seconds; a minute and a half allows for Chromium starting on a loaded machine.</summary>
    private static readonly TimeSpan ChromiumTimeout = TimeSpan.FromSeconds(90);

    [GeneratedRegex(@"Jupyter Notebook is ready: (http://localhost:(\d+)/\?token=([0-9a-f]+))")]
    public static partial Regex ReadyRegex();

    [GeneratedRegex(@"RUN ([a-z]+-[a-z]+-[0-9]+)")]
    public static partial Regex RunRegex();

    /// <summary>The CLI's line for a forwarded port: the port on the machine, the port here.</summary>
    [GeneratedRegex(@"PORT_0 \((\d+) on the machine\): http://localhost:(\d+)")]
    public static partial Regex PortRegex();

    /// <summary>http.server's first line, its address rewritten to the forwarded one: the URL, the port here.</summary>
    [GeneratedRegex(@"Serving HTTP on \S+ port \d+ \((http://localhost:(\d+)/)\)")]
    public static partial Regex ServingRegex();

    /// <summary>The notebook answers at the URL with its token, and refuses (redirects to its login page) without it.</summary>
    public static async Task AssertNotebookAnswersAsync(string url, int localPort)
    {
        using var browser = new HttpClient();
        var page = await browser.GetStringAsync(new Uri(url));
        Assert.Contains("<title>Home Page - Select or create a notebook</title>", page, StringComparison.Ordinal);

        using var stranger = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        foreach (var path in new[] { "/tree", "/api/contents", $"/?token=wrong" })
        {
            var refused = await stranger.GetAsync(new Uri($"http://localhost:{localPort}{path}"));
            Assert.True(
                refused.StatusCode is HttpStatusCode.Found or HttpStatusCode.Forbidden,
                $"{path} without the token answered {refused.StatusCode}");
            Assert.DoesNotContain("hello.ipynb", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var token = url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        var contents = await browser.GetStringAsync(new Uri($"http://localhost:{localPort}/api/contents?token={token}"));
        Assert.Contains("\"hello.ipynb\"", contents, StringComparison.Ordinal);
    }

    /// <summary>
    /// Chromium (Debian's, driven by Playwright) loads the URL: the page it renders lists the repository (the notebook's
    /// scripts fill the list in), and its screenshot, taken once the list shows, is a PNG far from blank.
    /// </summary>
    /// <remarks>
    /// One load, not retried: a page that stalls through a port forward is a bug these tests must show (SSH.NET's
    /// forward once held a browser's second connection until its first one closed). The screenshot waits for the list
    /// itself: Chromium's --screenshot flag took it at the load event, before the scripts drew it, blank once under load.
    /// </remarks>
    public static async Task<string> ScreenshotAsync(DstackSandbox sandbox, string url, string name)
    {
        var shot = Path.Combine(sandbox.Home, name + ".png");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        await page.GotoAsync(url, new() { Timeout = (float)ChromiumTimeout.TotalMilliseconds });
        await Expect(page.Locator("#notebook_list")).ToContainTextAsync("hello.ipynb", new() { Timeout = (float)ChromiumTimeout.TotalMilliseconds });
        await page.ScreenshotAsync(new() { Path = shot });
        var bytes = await File.ReadAllBytesAsync(shot);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);

        // A blank 1280x800 page is about 5 kB.
        Assert.True(bytes.Length > 10_000, $"the screenshot is {bytes.Length} bytes: a blank page?");
        if (Environment.GetEnvironmentVariable("DSTACK_TEST_SCREENSHOTS") is { Length: > 0 } keep)
        {
            Directory.CreateDirectory(keep);
            File.Copy(shot, Path.Combine(keep, name + ".png"), overwrite: true);
        }

        return shot;
    }

    /// <summary>Stops the run with `dstack stop` and waits until the following `dstack run` process has ended.</summary>
    public static async Task StopAsync(DstackSandbox sandbox, string run, Process? follower)
    {
        var stop = await sandbox.DstackAsync("stop", run, "-y");
        Assert.True(stop.ExitCode == 0, stop.Output);
        var manifest = await RunSteps.WaitFinishedAsync(sandbox, run, TimeSpan.FromSeconds(60));
        Assert.Equal("stopped", manifest.GetProperty("status").GetString()?.ToLowerInvariant());
        if (follower is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await follower.WaitForExitAsync(timeout.Token);
        }
    }

    /// <summary>The page at <paramref name="url"/> (an http.server of the repository) lists the repository's files.</summary>
    public static async Task AssertServesRepoAsync(string url)
    {
        using var http = new HttpClient();
        Assert.Contains("served.txt", await http.GetStringAsync(new Uri(url)), StringComparison.Ordinal);
        Assert.Equal("served by dstack\n", await http.GetStringAsync(new Uri(url.TrimEnd('/') + "/served.txt")));
    }
}
