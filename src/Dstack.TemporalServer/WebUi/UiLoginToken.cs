using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Dstack.TemporalServer.WebUi;

/// <summary>
/// One-time links that open the web UI of a server with an API key (<see cref="Hosting.TemporalServerOptions.ApiKey"/>),
/// as Jupyter's <c>?token=</c> links do. A token is a random nonce and an expiry signed with HMAC-SHA256 under the API
/// key, so whoever holds the key (the CLI) makes one without asking the server, and the server checks it without having
/// handed it out. The server admits each nonce once, before its expiry, and answers it with a session cookie.
/// </summary>
public static class UiLoginToken
{
    /// <summary>The query parameter that carries the token.</summary>
    public const string QueryParameter = "token";

    private const byte Version = 1;
    private const int NonceLength = 16;
    private const int SignedLength = 1 + NonceLength + sizeof(long);
    private const int TokenLength = SignedLength + HMACSHA256.HashSizeInBytes;

    // A token made a little in the future (the CLI's clock ahead of the server's) is still good; one that claims a longer
    // life was not made here, and its nonce would have to be remembered for as long.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    // Signs "this is a UI login", so a MAC made under the same key for another purpose is never a token.
    private static readonly byte[] Purpose = Encoding.ASCII.GetBytes("dstack-temporal-ui-login");

    /// <summary>Gets how long a token stays good unless it is used first.</summary>
    /// <remarks>
    /// Ten minutes is ample to copy a link from a terminal into a browser; past that, a link left in scrollback, a shell
    /// history or a log opens nothing. Using it once ends it earlier, so a link that leaks after it was opened (the browser's
    /// history keeps the address only until the redirect, a proxy's log longer) admits nobody else. A new link costs
    /// nothing: <see cref="Hosting.EmbeddedTemporalServer.CreateUiLoginUrl"/>, or <see cref="CreateUrl"/> with the key.
    /// </remarks>
    public static TimeSpan Lifetime { get; } = TimeSpan.FromMinutes(10);

    /// <summary>Makes a token that the server with <paramref name="apiKey"/> admits once until <paramref name="now"/> + <see cref="Lifetime"/>.</summary>
    public static string Create(string apiKey, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        Span<byte> token = stackalloc byte[TokenLength];
        token[0] = Version;
        RandomNumberGenerator.Fill(token.Slice(1, NonceLength));
        BinaryPrimitives.WriteInt64BigEndian(token.Slice(1 + NonceLength), (now + Lifetime).ToUnixTimeSeconds());
        Sign(apiKey, token[..SignedLength], token[SignedLength..]);
        return Base64Url.EncodeToString(token);
    }

    /// <summary>Makes the link that opens the UI at <paramref name="uiAddress"/> (such as <c>http://127.0.0.1:8233/</c>) once.</summary>
    public static Uri CreateUrl(Uri uiAddress, string apiKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(uiAddress);

        // Base64url needs no escaping in a query.
        return new UriBuilder(uiAddress) { Query = $"{QueryParameter}={Create(apiKey, now)}" }.Uri;
    }

    /// <summary>Reads a token that <paramref name="apiKey"/> signed and that is good at <paramref name="now"/>.</summary>
    internal static bool TryRead(string apiKey, string token, DateTimeOffset now, out string nonce, out DateTimeOffset expires)
    {
        nonce = string.Empty;
        expires = default;
        Span<byte> bytes = stackalloc byte[TokenLength];
        if (token.Length != Base64Url.GetEncodedLength(TokenLength)
            || !Base64Url.TryDecodeFromChars(token, bytes, out var length)
            || length != TokenLength
            || bytes[0] != Version)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Sign(apiKey, bytes[..SignedLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes[SignedLength..]))
        {
            return false;
        }

        var seconds = BinaryPrimitives.ReadInt64BigEndian(bytes.Slice(1 + NonceLength));
        if (seconds <= now.ToUnixTimeSeconds() || seconds > (now + Lifetime + ClockSkew).ToUnixTimeSeconds())
        {
            return false;
        }

        nonce = Convert.ToHexString(bytes.Slice(1, NonceLength));
        expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    private static void Sign(string apiKey, ReadOnlySpan<byte> signed, Span<byte> mac)
    {
        Span<byte> data = stackalloc byte[Purpose.Length + signed.Length];
        Purpose.CopyTo(data);
        signed.CopyTo(data[Purpose.Length..]);
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiKey), data, mac);
    }
}
