namespace Dstack.TemporalServer.Hosting;

/// <summary>
/// TLS for the gRPC listener and the HTTP API's: the server's certificate and private key as PEM files and, optionally,
/// the CAs (a PEM file of one or more certificates) whose client certificates it requires (mutual TLS).
/// </summary>
/// <param name="CertificatePath">The server's certificate (PEM), its chain after it if any.</param>
/// <param name="PrivateKeyPath">The certificate's private key (PEM, PKCS#8, PKCS#1 or SEC1), unencrypted.</param>
/// <param name="ClientCaPath">The CAs whose client certificates are admitted; null admits clients without a certificate.</param>
public sealed record TemporalServerTls(string CertificatePath, string PrivateKeyPath, string? ClientCaPath = null);
