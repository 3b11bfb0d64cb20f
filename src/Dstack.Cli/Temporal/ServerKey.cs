using System.Buffers.Text;
using System.Security.Cryptography;
using Dstack.Core.Secrets;

namespace Dstack.Cli.Temporal;

/// <summary>
/// The API key of this dstack folder's <c>dstack server</c>, in <c>$DSTACK_HOME/server.key</c>: 32 random bytes in
/// base64url, readable by its owner alone. The server admits only calls that carry it (gRPC, HTTP API) and signs its Web
/// UI's login links with it, so the file's mode is what keeps the machine's other users out of the server and, through
/// its worker, out of this user's account. See docs/architecture.md#the-server-admits-its-owner-alone.
/// </summary>
internal static class ServerKey
{
    public const string FileName = "server.key";

    private const int KeyBytes = 32;

    /// <summary>Gets the key file of the dstack folder <paramref name="home"/>.</summary>
    public static string PathIn(string home) => Path.Combine(home, FileName);

    /// <summary>
    /// Gets the key of <paramref name="home"/>'s server, creating the file on first use. The same key serves every start,
    /// so clients connected before a restart (a following <c>dstack run</c>, a <c>dstack worker</c>) still get in after it.
    /// </summary>
    /// <exception cref="CommandException">The file exists but is readable by others or damaged.</exception>
    public static string LoadOrCreate(string home)
    {
        var path = PathIn(home);
        if (File.Exists(path))
        {
            return Read(home);
        }

        Directory.CreateDirectory(home);
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(KeyBytes));

        // Two servers of one folder may start at once: the first writer wins, and both serve with the winner's key (the
        // loser then fails to listen, or finds the first running).
        return PrivateFile.TryCreate(path, key) ? key : Read(home);
    }

    /// <summary>Reads the key of <paramref name="home"/>'s server, which the CLI sends to that server alone.</summary>
    /// <exception cref="CommandException">There is no key file, or it is readable by others or damaged.</exception>
    public static string Read(string home)
    {
        var path = PathIn(home);
        string text;
        try
        {
            // Group or others may neither read the key (and use it) nor write it (and put in a key they know).
            if (PrivateFile.OpenToOthers(path) is not null)
            {
                throw new CommandException(
                    $"the dstack server key {path} is open to other users of this machine, so they may have its key: `chmod 600 {path}` if none can have read it, or else `dstack server stop; rm {path}` and start the server again for a new key.",
                    ExitCodes.ConfigOrUsage);
            }

            text = File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CommandException(
                $"the dstack server of {home} runs, but its key {path} is gone; `dstack server stop` and start it again (it makes a new key).",
                ExitCodes.ConfigOrUsage);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"cannot read the dstack server key {path}: {e.Message}", ExitCodes.ConfigOrUsage);
        }

        // IsValid, since the decoder throws on a character outside the alphabet rather than answer false.
        if (!Base64Url.IsValid(text, out var length) || length != KeyBytes)
        {
            throw new CommandException(
                $"the dstack server key {path} is damaged (expected base64url of {KeyBytes} bytes); `dstack server stop; rm {path}` and start the server again for a new key.",
                ExitCodes.ConfigOrUsage);
        }

        return text;
    }
}
