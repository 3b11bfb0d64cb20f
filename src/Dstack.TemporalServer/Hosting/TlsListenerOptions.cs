using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Dstack.TemporalServer.Hosting;

/// <summary>Kestrel's HTTPS settings for <see cref="TemporalServerTls"/>.</summary>
internal static class TlsListenerOptions
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    public static HttpsConnectionAdapterOptions Create(TemporalServerTls tls)
    {
        var options = new HttpsConnectionAdapterOptions { ServerCertificate = LoadCertificate(tls) };
        if (tls.ClientCaPath is { } clientCaPath)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(clientCaPath);
            if (authorities.Count == 0)
            {
                throw new CryptographicException($"{clientCaPath} holds no PEM certificate.");
            }

            options.ClientCertificateMode = ClientCertificateMode.RequireCertificate;

            // The system's roots do not decide here: only a certificate that these CAs issued (for client authentication,
            // or for any use when it names none) is admitted.
            options.ClientCertificateValidation = (certificate, _, _) => IsIssuedBy(certificate, authorities);
        }

        return options;
    }

    private static X509Certificate2 LoadCertificate(TemporalServerTls tls)
    {
        var certificate = X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.PrivateKeyPath);
        if (!OperatingSystem.IsWindows())
        {
            return certificate;
        }

        // SChannel cannot serve with the ephemeral key a PEM import makes; a PKCS#12 round trip gives it a stored one.
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), password: null);
        }
    }

    private static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthentication));
        try
        {
            return chain.Build(certificate);
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }
}
