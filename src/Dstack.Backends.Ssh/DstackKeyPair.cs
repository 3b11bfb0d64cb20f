using System.Diagnostics;

namespace Dstack.Backends.Ssh;

/// <summary>
/// dstack's own SSH key pair (one per dstack folder): used for hosts configured without <c>identity_file</c> and for the
/// machines dstack creates. Generated with the machine's <c>ssh-keygen</c> on first use; the private key is mode 0600.
/// </summary>
public static class DstackKeyPair
{
    /// <summary>Returns the private key file <paramref name="privateKeyFile"/>, generating the pair first when it does not exist yet.</summary>
    /// <exception cref="InvalidOperationException"><c>ssh-keygen</c> is missing or failed.</exception>
    public static async Task<string> EnsureAsync(string privateKeyFile, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(privateKeyFile);
        if (File.Exists(privateKeyFile))
        {
            return privateKeyFile;
        }

        var folder = Path.GetDirectoryName(privateKeyFile)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Generated under a name of its own and moved into place, so that two processes starting at once end up with one
        // pair: the second move finds the key there and its own pair is thrown away.
        var temporary = Path.Combine(folder, $".{Path.GetFileName(privateKeyFile)}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            await RunSshKeygenAsync(temporary, cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                // ssh-keygen makes it 0600 already; a umask or a copied folder must not loosen it.
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary + ".pub", privateKeyFile + ".pub", overwrite: true);
            File.Move(temporary, privateKeyFile);
        }
        catch (IOException) when (File.Exists(privateKeyFile))
        {
            // Another process won the race; its pair is the one.
        }
        finally
        {
            File.Delete(temporary);
            File.Delete(temporary + ".pub");
        }

        return privateKeyFile;
    }

    /// <summary>Reads the public key (<c>ssh-ed25519 AAAA... comment</c>) of the pair at <paramref name="privateKeyFile"/>.</summary>
    public static async Task<string> ReadPublicKeyAsync(string privateKeyFile, CancellationToken cancellationToken = default) =>
        (await File.ReadAllTextAsync(privateKeyFile + ".pub", cancellationToken).ConfigureAwait(false)).Trim();

    private static async Task RunSshKeygenAsync(string file, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("ssh-keygen") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in new[] { "-q", "-t", "ed25519", "-N", string.Empty, "-C", $"dstack@{Environment.MachineName}", "-f", file })
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("ssh-keygen did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"dstack needs ssh-keygen (OpenSSH's client tools) to create its key pair {file}: {e.Message}. Install openssh-client, or set identity_file for each host.", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"ssh-keygen could not create {file} (exit code {process.ExitCode}): {(await error.ConfigureAwait(false)).Trim()}");
            }
        }
    }
}
