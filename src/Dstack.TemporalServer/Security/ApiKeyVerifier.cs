using System.Security.Cryptography;
using System.Text;
using Dstack.TemporalServer.Hosting;
using Microsoft.Extensions.Options;

namespace Dstack.TemporalServer.Security;

/// <summary>Checks the API key that <see cref="TemporalServerOptions.ApiKey"/> asks every call for.</summary>
internal sealed class ApiKeyVerifier
{
    public const string MissingMessage =
        "Request unauthenticated: this server requires its API key, as the `authorization: Bearer <key>` gRPC metadata "
        + "(the Temporal SDKs' ApiKey option) or the `Authorization: Bearer <key>` HTTP header.";

    public const string InvalidMessage = "Request unauthenticated: the API key is not this server's.";

    private const string Scheme = "Bearer ";

    // Hashes are compared rather than the keys: FixedTimeEquals takes constant time only for inputs of equal length, and
    // a hash hides the key's length too.
    private readonly byte[]? _keyHash;

    public ApiKeyVerifier(IOptions<TemporalServerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = options.Value.ApiKey;
        if (string.IsNullOrEmpty(key))
        {
            return;
        }

        if (!IsWellFormed(key))
        {
            throw new InvalidOperationException("The API key must be printable ASCII without spaces: a header value carries nothing else unchanged.");
        }

        ApiKey = key;
        _keyHash = Hash(key);
    }

    /// <summary>Gets a value indicating whether calls must present a key; without one the server admits everyone.</summary>
    public bool IsRequired => _keyHash is not null;

    /// <summary>Gets the key, which also signs the web UI's login tokens; null when none is required.</summary>
    public string? ApiKey { get; }

    /// <summary>Gets a value indicating whether <paramref name="key"/> can be an API key: printable ASCII, no spaces.</summary>
    public static bool IsWellFormed(string key) => key.Length > 0 && key.All(c => c is > ' ' and < '\x7f');

    /// <summary>Checks an <c>Authorization</c> header or <c>authorization</c> metadata value.</summary>
    public BearerCheck Check(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return BearerCheck.Missing;
        }

        if (_keyHash is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return BearerCheck.Invalid;
        }

        return CryptographicOperations.FixedTimeEquals(Hash(authorization[Scheme.Length..].Trim()), _keyHash)
            ? BearerCheck.Valid
            : BearerCheck.Invalid;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
