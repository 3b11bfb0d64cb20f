using System.Security.Cryptography;
using System.Text;

namespace Dstack.Backends.Ssh;

/// <summary>dstack's own SSH key pair, made on first use.</summary>
public static class SshKeys
{
    /// <summary>
    /// Returns the OpenSSH public key (<c>ssh-rsa AAAA... dstack</c>) of the private key at <paramref name="privateKeyFile"/>,
    /// making an RSA 3072 key first when there is none (mode 0600), and writes the public key next to it (<c>.pub</c>).
    /// </summary>
    public static string EnsureKeyPair(string privateKeyFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(privateKeyFile);
        if (!File.Exists(privateKeyFile))
        {
            Create(privateKeyFile);
        }

        // The public key is always derived from the private one, so a pair can never be mismatched, whoever wrote which.
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(privateKeyFile));
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        var blob = new MemoryStream();
        WriteString(blob, Encoding.ASCII.GetBytes("ssh-rsa"));
        WriteString(blob, MpInt(parameters.Exponent!));
        WriteString(blob, MpInt(parameters.Modulus!));
        var publicKey = $"ssh-rsa {Convert.ToBase64String(blob.ToArray())} dstack";

        var publicKeyFile = privateKeyFile + ".pub";
        if (!File.Exists(publicKeyFile) || File.ReadAllText(publicKeyFile).Trim() != publicKey)
        {
            var temp = $"{publicKeyFile}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(temp, publicKey + "\n");
            File.Move(temp, publicKeyFile, overwrite: true);
        }

        return publicKey;
    }

    /// <summary>
    /// Writes a new private key under a temporary name and moves it into place unless one appeared meanwhile: two workers
    /// starting at once end up with one key.
    /// </summary>
    private static void Create(string privateKeyFile)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(privateKeyFile))!);
        using var rsa = RSA.Create(3072);
        var temp = $"{privateKeyFile}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var writer = new StreamWriter(temp, Encoding.ASCII, options))
            {
                writer.Write(rsa.ExportRSAPrivateKeyPem());
                writer.Write('\n');
            }

            File.Move(temp, privateKeyFile, overwrite: false);
        }
        catch (IOException) when (File.Exists(privateKeyFile))
        {
            // Another process made the key first; its key is the one.
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static void WriteString(Stream stream, byte[] value)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
        stream.Write(length);
        stream.Write(value);
    }

    // SSH's mpint: big-endian, with a leading zero byte when the top bit is set (so it reads as positive).
    private static byte[] MpInt(byte[] value) => value.Length > 0 && (value[0] & 0x80) != 0 ? [0, .. value] : value;
}
