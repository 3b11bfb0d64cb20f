using System.Diagnostics;

namespace Dstack.Testing;

/// <summary>Runs a program of this machine (ip, ssh-keygen, sshd) with its arguments as a list, never through a shell line.</summary>
public static class Programs
{
    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var (code, stdout, stderr) = await TryAsync(file, args);
        return code == 0 ? stdout : throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {stderr}{stdout}");
    }

    public static async Task<(int Code, string Stdout, string Stderr)> TryAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
