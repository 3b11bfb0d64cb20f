using System.Security.Cryptography;
using System.Text;

namespace Dstack.Core.Secrets;

/// <summary>
/// Where the key that encrypts secrets comes from: <c>DSTACK_SECRETS_KEY</c> when set (base64 of 32 bytes, or any
/// passphrase, hashed), else <c>secrets.key</c> in the dstack folder, created with mode 0600 on first use.
/// </summary>
/// <param name="DstackHome">The user's dstack folder.</param>
/// <param name="EnvironmentKey">The value of <c>DSTACK_SECRETS_KEY</c>, or null.</param>
public sealed record SecretKeySource(string DstackHome, string? EnvironmentKey)
{
    /// <summary>The key file's name in the dstack folder.</summary>
    public const string KeyFileName = "secrets.key";

    /// <summary>Gets the key file's path.</summary>
    public string KeyFile => Path.Combine(DstackHome, KeyFileName);

    /// <summary>Gets the 32-byte key; creates the key file when <paramref name="create"/> and there is none.</summary>
    /// <exception cref="SecretException">There is no key and <paramref name="create"/> is false, or the key file is damaged.</exception>
    public byte[] GetKey(bool create)
    {
        if (!string.IsNullOrEmpty(EnvironmentKey))
        {
            return Decode(EnvironmentKey) ?? SHA256.HashData(Encoding.UTF8.GetBytes(EnvironmentKey));
        }

        if (File.Exists(KeyFile))
        {
            return Decode(File.ReadAllText(KeyFile).Trim())
                ?? throw new SecretException($"the secrets key file {KeyFile} is damaged (expected base64 of 32 bytes); restore it, or delete it and add the secrets again.");
        }

        if (!create)
        {
            throw new SecretException($"there is no secrets key ({KeyFile} does not exist and DSTACK_SECRETS_KEY is not set); add a secret with `dstack secrets add NAME` first, or set DSTACK_SECRETS_KEY to the key the secrets were added with.");
        }

        Directory.CreateDirectory(DstackHome);
        var key = RandomNumberGenerator.GetBytes(32);
        var temp = KeyFile + ".tmp";

        // Created with 0600 from the start: the key is never readable by others, not even for a moment.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(key));
        }

        try
        {
            // Two processes may race to create it: the first rename wins and both use the winner's key.
            File.Move(temp, KeyFile, overwrite: false);
        }
        catch (IOException) when (File.Exists(KeyFile))
        {
            File.Delete(temp);
            return GetKey(create: false);
        }

        return key;
    }

    private static byte[]? Decode(string text)
    {
        var buffer = new byte[48];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == 32 ? buffer[..32] : null;
    }
}
