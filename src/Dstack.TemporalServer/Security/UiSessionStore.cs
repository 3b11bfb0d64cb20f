using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dstack.TemporalServer.WebUi;

namespace Dstack.TemporalServer.Security;

/// <summary>
/// The web UI's sessions: a login token redeemed once becomes a random session value, which the browser keeps in an
/// HttpOnly cookie. The cookie never holds the API key, so a leaked cookie ends with the server process. Sessions last
/// as long as the process; the browser forgets its cookie when it closes.
/// </summary>
internal sealed class UiSessionStore(ApiKeyVerifier verifier, TimeProvider time)
{
    /// <summary>
    /// The start of the cookie's name, which ends with the UI's port: cookies are per host, not per port, so two servers on
    /// one machine would otherwise overwrite each other's sessions.
    /// </summary>
    public const string CookiePrefix = "dstack-temporal-session-";

    // Sessions by the hash of their value, so that a lookup's timing tells nothing about the values.
    private readonly ConcurrentDictionary<string, bool> _sessions = new(StringComparer.Ordinal);

    // Nonces of redeemed tokens until the tokens expire; a token found here is refused the second time.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _usedNonces = new(StringComparer.Ordinal);

    public static string CookieName(int port) => CookiePrefix + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Admits a login token once: the new session's value, or null for a token that is not good (any more).</summary>
    public string? Redeem(string token)
    {
        var now = time.GetUtcNow();
        if (verifier.ApiKey is not { } key || !UiLoginToken.TryRead(key, token, now, out var nonce, out var expires))
        {
            return null;
        }

        foreach (var (used, until) in _usedNonces)
        {
            if (until <= now)
            {
                _usedNonces.TryRemove(used, out _);
            }
        }

        if (!_usedNonces.TryAdd(nonce, expires))
        {
            return null;
        }

        var session = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        _sessions[Hash(session)] = true;
        return session;
    }

    /// <summary>Gets a value indicating whether any of the request's session cookies holds a session of this server.</summary>
    public bool HasSession(IEnumerable<KeyValuePair<string, string>> cookies) =>
        !_sessions.IsEmpty && cookies.Any(cookie => cookie.Key.StartsWith(CookiePrefix, StringComparison.Ordinal) && _sessions.ContainsKey(Hash(cookie.Value)));

    private static string Hash(string session) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(session)));
}
