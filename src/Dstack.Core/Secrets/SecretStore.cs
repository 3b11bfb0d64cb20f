using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Dstack.Core.Storage;

namespace Dstack.Core.Secrets;

/// <summary>
/// Secrets in storage (<c>secrets/&lt;name&gt;</c>), each encrypted with AES-256-GCM under the key of a
/// <see cref="SecretKeySource"/>; the name is authenticated data, so a file copied under another name does not decrypt.
/// </summary>
public sealed partial class SecretStore(IStorage storage, SecretKeySource keys)
{
    private const string Prefix = "secrets/";
    private static readonly byte[] Magic = "DSS1"u8.ToArray();
    private const int NonceSize = 12;
    private const int TagSize = 16;

    // Variables a job's shell relies on: a secret by one of these names would change how every command is found and run.
    private static readonly string[] ReservedNames = ["PATH", "HOME", "USER", "SHELL", "PWD", "IFS", "BASH_ENV", "ENV"];

    /// <summary>Checks that <paramref name="name"/> can be an environment variable name.</summary>
    /// <exception cref="SecretException">It cannot.</exception>
    public static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || !NameRegex().IsMatch(name))
        {
            throw new SecretException($"'{name}' is not a valid secret name: it becomes an environment variable, so use letters, digits and '_', not starting with a digit (e.g. HF_TOKEN).", isBadName: true);
        }

        if (ReservedNames.Contains(name) || name.StartsWith("LD_", StringComparison.Ordinal) || name.StartsWith("DSTACK_", StringComparison.Ordinal))
        {
            throw new SecretException($"'{name}' cannot be a secret's name: the job's shell or dstack itself sets that variable ({string.Join(", ", ReservedNames)}, LD_* and DSTACK_* are taken). Choose another name, such as MY_{name}.", isBadName: true);
        }
    }

    /// <summary>Stores (or replaces) the secret <paramref name="name"/>.</summary>
    public async Task AddAsync(string name, string value, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(value);
        var key = keys.GetKey(create: true);
        var plain = Encoding.UTF8.GetBytes(value);
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[TagSize];
        using (var aes = new AesGcm(key, TagSize))
        {
            aes.Encrypt(nonce, plain, cipher, tag, Encoding.UTF8.GetBytes(name));
        }

        await using var stream = new MemoryStream([.. Magic, .. nonce, .. tag, .. cipher], writable: false);
        await storage.PutAsync(Prefix + name, stream, cancellationToken);
    }

    /// <summary>Reads and decrypts the secret <paramref name="name"/>, or returns null when there is none.</summary>
    /// <exception cref="SecretException">The key is missing or is not the one the secret was stored with.</exception>
    public async Task<string?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        await using var stream = await storage.OpenReadAsync(Prefix + name, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        var data = buffer.ToArray();
        var header = Magic.Length + NonceSize + TagSize;
        if (data.Length < header || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new SecretException($"the stored secret '{name}' in {storage.Location} is damaged; add it again with `dstack secrets add {name}`.");
        }

        var plain = new byte[data.Length - header];
        try
        {
            using var aes = new AesGcm(keys.GetKey(create: false), TagSize);
            aes.Decrypt(data.AsSpan(Magic.Length, NonceSize), data.AsSpan(header), data.AsSpan(Magic.Length + NonceSize, TagSize), plain, Encoding.UTF8.GetBytes(name));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretException($"the secret '{name}' cannot be decrypted with this key ({(keys.EnvironmentKey is null ? keys.KeyFile : "DSTACK_SECRETS_KEY")}): it was added with another key. Use that key, or add the secret again.");
        }

        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>True when the secret exists (no key needed).</summary>
    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        return storage.ExistsAsync(Prefix + name, cancellationToken);
    }

    /// <summary>Gets the names of the stored secrets, ordered.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await storage.ListAsync(Prefix, cancellationToken)).Select(o => o.Key[Prefix.Length..]).Where(n => !n.Contains('/', StringComparison.Ordinal))];

    /// <summary>Deletes the secret; returns false when there was none.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name);
        if (!await storage.ExistsAsync(Prefix + name, cancellationToken))
        {
            return false;
        }

        await storage.DeleteAsync(Prefix + name, cancellationToken);
        return true;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex NameRegex();
}
