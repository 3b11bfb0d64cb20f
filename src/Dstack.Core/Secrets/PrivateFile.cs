using System.Security.Cryptography;

namespace Dstack.Core.Secrets;

/// <summary>
/// A file that holds a secret (an API key, a client key, the server key): written so that only its owner can ever read
/// it, and refused when group or others have any permission on it, the rule ssh applies to its keys.
/// </summary>
public static class PrivateFile
{
    // Any of these bits lets another user read or change the file.
    private const UnixFileMode OthersMask = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Gets the file's mode (e.g. <c>0644</c>) when group or others have any permission on it; null when only its owner has, when it is missing, or on Windows.</summary>
    public static string? OpenToOthers(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        return (mode & OthersMask) == 0 ? null : "0" + Convert.ToString((int)mode & 0x1ff, 8);
    }

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> unless it exists: through a temporary file of a name no
    /// one else uses, created with 0600 and renamed, so the secret is never in a file others can read, not even for a
    /// moment, and never half written under its name.
    /// </summary>
    /// <returns>Whether this call wrote it; false when the file already existed (another writer won).</returns>
    public static bool TryCreate(string path, string text)
    {
        var temporary = $"{path}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(8))}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
            }

            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
