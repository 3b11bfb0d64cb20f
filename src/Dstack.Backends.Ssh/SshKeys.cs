using System.Security.Cryptography;
using System.Text;

namespace Dstack.Backends.Ssh;

/// <summary>dstack's own SSH key pair, made on first use.</summary>
public static class SshKeys
{
    /// <summary>
    /// Returns the OpenSSH public key (<c>ssh-rsa AAAA... dstack</c>) of the private key at <paramref name="privateKeyFile"/>,
    /// making an RSA 3072 pair first when there is none (private key mode 0600, public key next to it with <c>.pub</c>).
    /// </summary>
    public static string EnsureKeyPair(string privateKeyFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(privateKeyFile);
        var publicKeyFile = privateKeyFile + ".pub";
        if (File.Exists(privateKeyFile) && File.Exists(publicKeyFile))
        {
            return File.ReadAllText(publicKeyFile).Trim();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(privateKeyFile))!);
        using var rsa = RSA.Create(3072);
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        var blob = new MemoryStream();
        WriteString(blob, Encoding.ASCII.GetBytes("ssh-rsa"));
        WriteString(blob, MpInt(parameters.Exponent!));
        WriteString(blob, MpInt(parameters.Modulus!));
        var publicKey = $"ssh-rsa {Convert.ToBase64String(blob.ToArray())} dstack";

        // Written to a temporary file and renamed, so that two workers starting at once never see half a key.
        var temp = $"{privateKeyFile}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temp, Encoding.ASCII, options))
        {
            writer.Write(rsa.ExportRSAPrivateKeyPem());
            writer.Write('\n');
        }

        File.WriteAllText(publicKeyFile + ".tmp", publicKey + "\n");
        File.Move(publicKeyFile + ".tmp", publicKeyFile, overwrite: true);
        File.Move(temp, privateKeyFile, overwrite: true);
        return publicKey;
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
