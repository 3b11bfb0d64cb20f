using System.Text.RegularExpressions;
using Dstack.Core.Settings;
using Temporalio.Exceptions;

namespace Dstack.Workflows.Connection;

/// <summary>
/// Turns the SDK's connection errors into one line that says what happened and which setting to check. The SDK reports
/// them as the Rust core's debug text (<c>Connection failed: Server connection error: tonic::transport::Error(...)</c>);
/// the patterns below are the ones it gives against the embedded server and real Temporal (rustls's certificate and
/// alert names, gRPC status codes), found by trying each case (tests/Dstack.Cli.Tests/Temporal/SecuredConnectionTests.cs).
/// </summary>
public static partial class TemporalConnectionFailure
{
    private const string KeySettings = "temporal.api_key_file or temporal.api_key in config.yml, or DSTACK_TEMPORAL_API_KEY";
    private const string CertSettings = "temporal.tls.client_cert and temporal.tls.client_key (or DSTACK_TEMPORAL_TLS_CLIENT_CERT and DSTACK_TEMPORAL_TLS_CLIENT_KEY)";

    /// <summary>The message for <paramref name="error"/>, raised while connecting with <paramref name="settings"/>.</summary>
    public static string Describe(Exception error, TemporalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(settings);
        var server = $"the Temporal server at {settings.Address}";
        var text = error.Message;

        if (error is RpcException { Code: RpcException.StatusCode.Unauthenticated or RpcException.StatusCode.PermissionDenied } rpc)
        {
            return Refused(server, rpc.Code.ToString(), rpc.Message, settings);
        }

        if (StatusCode().Match(text) is { Success: true } status)
        {
            return Refused(server, status.Groups[1].Value, status.Groups[2].Value, settings);
        }

        if (NameMismatch().Match(text) is { Success: true } mismatch)
        {
            var presented = string.Join(", ", PresentedName().Matches(mismatch.Groups[2].Value).Select(m => m.Groups[1].Value));
            var expected = PresentedName().Match(mismatch.Groups[1].Value) is { Success: true } name ? name.Groups[1].Value : mismatch.Groups[1].Value;
            var origin = From(settings, TemporalSettingNames.ServerName);
            return $"{server} presented a certificate for {(presented.Length > 0 ? presented : "other names")}, not for {expected}{origin}; "
                + "set temporal.tls.server_name (DSTACK_TEMPORAL_TLS_SERVER_NAME) to a name it carries, or connect by one.";
        }

        if (InvalidCertificate().Match(text) is { Success: true } invalid)
        {
            var reason = invalid.Groups[1].Value;
            var what = reason switch
            {
                "UnknownIssuer" => "signed by a CA this client does not trust",
                "Expired" => "that has expired",
                "NotValidYet" => "that is not valid yet",
                _ => $"this client does not accept ({reason})",
            };
            return settings.OriginOf(TemporalSettingNames.ServerCa) is { } ca
                ? $"{server} presented a certificate {what}: the CA from {ca} did not sign it; check temporal.tls.server_ca (DSTACK_TEMPORAL_TLS_SERVER_CA), or the address."
                : $"{server} presented a certificate {what}; set temporal.tls.server_ca (DSTACK_TEMPORAL_TLS_SERVER_CA) to the PEM file of the CA that signed it.";
        }

        if (text.Contains("InvalidContentType", StringComparison.Ordinal) || text.Contains("InvalidMessage(", StringComparison.Ordinal)
            || text.Contains("CorruptMessage", StringComparison.Ordinal))
        {
            return $"{server} does not use TLS, but TLS is on ({WhyTls(settings)}); set temporal.tls.disabled: true (DSTACK_TEMPORAL_TLS=false), or check the address.";
        }

        if (text.Contains("InconsistentKeys", StringComparison.Ordinal))
        {
            return $"the client key{From(settings, TemporalSettingNames.ClientKey)} does not belong to the client certificate{From(settings, TemporalSettingNames.ClientCert)}; check temporal.tls.client_cert and temporal.tls.client_key.";
        }

        if (text.Contains("PrivateKeyParseError", StringComparison.Ordinal) || text.Contains("private key", StringComparison.OrdinalIgnoreCase))
        {
            return $"the client key{From(settings, TemporalSettingNames.ClientKey)} is not an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1); check temporal.tls.client_key (DSTACK_TEMPORAL_TLS_CLIENT_KEY).";
        }

        if (AlertReceived().Match(text) is { Success: true } alert)
        {
            return ClientCertificateRefused(server, $"it sent the TLS alert {alert.Groups[1].Value}", settings);
        }

        if (text.Contains("transport error", StringComparison.Ordinal) || text.Contains("connection reset", StringComparison.OrdinalIgnoreCase) || HungUp(text))
        {
            // The server hung up after the connection was made: a TLS server hearing plain HTTP/2, or an mTLS server that
            // refused the client's certificate (or its lack of one) after the handshake, as TLS 1.3 lets it.
            return settings.UsesTls
                ? ClientCertificateRefused(server, "it closed the TLS connection", settings)
                : $"{server} closed the connection: it probably wants TLS, which is off{From(settings, TemporalSettingNames.Tls)}; "
                    + "set DSTACK_TEMPORAL_TLS=true (or a temporal.tls section) and, for a private CA, temporal.tls.server_ca.";
        }

        if (text.Contains("Connection refused", StringComparison.OrdinalIgnoreCase))
        {
            return $"nothing answers at the Temporal address {settings.Address} (connection refused); check temporal.address (DSTACK_TEMPORAL_ADDRESS, TEMPORAL_ADDRESS).";
        }

        if (text.Contains("dns error", StringComparison.OrdinalIgnoreCase) || text.Contains("failed to lookup address", StringComparison.OrdinalIgnoreCase))
        {
            return $"cannot find the host of the Temporal address {settings.Address}; check temporal.address (DSTACK_TEMPORAL_ADDRESS, TEMPORAL_ADDRESS).";
        }

        return $"cannot connect to {server}: {OneLine(text)}";
    }

    /// <summary>
    /// Whether the server closed the connection mid-handshake or right after it (how rustls, hyper and the OS word it
    /// depends on which packet the hang-up met: an end of file, a broken pipe, no close_notify, or the first call
    /// cancelled because the connection closed under it).
    /// </summary>
    private static bool HungUp(string text) =>
        text.Contains("close_notify", StringComparison.Ordinal) || text.Contains("UnexpectedEof", StringComparison.Ordinal)
        || text.Contains("unexpected end of file", StringComparison.OrdinalIgnoreCase) || text.Contains("Broken pipe", StringComparison.OrdinalIgnoreCase)
        || text.Contains("BrokenPipe", StringComparison.Ordinal) || text.Contains("Canceled, \"connection closed\"", StringComparison.Ordinal);

    private static string Refused(string server, string code, string message, TemporalSettings settings)
    {
        var answer = $"{code}: {OneLine(message)}";
        if (settings.ApiKey is not null)
        {
            return $"{server} refused the API key{From(settings, TemporalSettingNames.ApiKey)} ({answer}); check that it is a valid key for namespace {settings.Namespace}.";
        }

        return settings.Tls is { Disabled: false, ClientCert: not null }
            ? $"{server} refused the client certificate{From(settings, TemporalSettingNames.ClientCert)} for namespace {settings.Namespace} ({answer}); check {CertSettings}, or set an API key with {KeySettings}."
            : $"{server} wants credentials ({answer}); set an API key with {KeySettings}, or a client certificate with {CertSettings}.";
    }

    private static string ClientCertificateRefused(string server, string what, TemporalSettings settings) =>
        settings.Tls is { ClientCert: not null }
            ? $"{server} did not accept the client certificate{From(settings, TemporalSettingNames.ClientCert)} ({what}); it must be signed by a CA the server trusts: check temporal.tls.client_cert and temporal.tls.client_key."
            : $"{server} wants a client certificate (mutual TLS; {what}); set {CertSettings}.";

    private static string WhyTls(TemporalSettings settings) => settings.Tls is null
        ? $"an API key turns it on, and one is set{From(settings, TemporalSettingNames.ApiKey)}"
        : settings.OriginOf(TemporalSettingNames.Tls) is { } origin ? $"set by {origin}" : "set by the caller";

    private static string From(TemporalSettings settings, string name) => settings.OriginOf(name) is { } origin ? $" from {origin}" : string.Empty;

    private static string OneLine(string text)
    {
        var line = WhiteSpace().Replace(text, " ").Trim();
        return line.StartsWith("Connection failed: ", StringComparison.Ordinal) ? line["Connection failed: ".Length..] : line;
    }

    [GeneratedRegex(@"code: (Unauthenticated|PermissionDenied), message: ""((?:[^""\\]|\\.)*)""")]
    private static partial Regex StatusCode();

    [GeneratedRegex(@"NotValidForName\w*\s*\{\s*expected:\s*(\w+\([^)]*\)),\s*presented:\s*\[(.*?)\]\s*\}")]
    private static partial Regex NameMismatch();

    [GeneratedRegex(@"\w+\(\\?""?([^""\\)]+)\\?""?\)")]
    private static partial Regex PresentedName();

    [GeneratedRegex(@"InvalidCertificate\((\w+)")]
    private static partial Regex InvalidCertificate();

    [GeneratedRegex(@"AlertReceived\((\w+)\)")]
    private static partial Regex AlertReceived();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
