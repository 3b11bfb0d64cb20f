using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Dstack.Testing.Security;

/// <summary>
/// A CA made for one test, its server certificate for localhost and 127.0.0.1 and a client certificate, as PEM files in a
/// temporary directory, and a client certificate of another CA that the server must refuse.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private TestCertificates(string directory)
    {
        Directory = directory;
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CreateAuthority("CN=dstack test CA", caKey, now);
        CaPem = ca.ExportCertificatePem();
        (ServerCertificatePem, ServerKeyPem) = CreateLeaf(ca, "CN=localhost", ServerAuthentication, now);
        (ClientCertificatePem, ClientKeyPem) = CreateLeaf(ca, "CN=dstack test client", ClientAuthentication, now);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = CreateAuthority("CN=another CA", otherKey, now);
        (StrangerCertificatePem, StrangerKeyPem) = CreateLeaf(other, "CN=stranger", ClientAuthentication, now);

        File.WriteAllText(CaPath, CaPem);
        File.WriteAllText(ServerCertificatePath, ServerCertificatePem);
        File.WriteAllText(ServerKeyPath, ServerKeyPem);
    }

    public string Directory { get; }

    public string CaPem { get; }

    public string CaPath => Path.Combine(Directory, "ca.pem");

    public string ServerCertificatePem { get; }

    public string ServerKeyPem { get; }

    public string ServerCertificatePath => Path.Combine(Directory, "server.pem");

    public string ServerKeyPath => Path.Combine(Directory, "server-key.pem");

    public string ClientCertificatePem { get; }

    public string ClientKeyPem { get; }

    public string StrangerCertificatePem { get; }

    public string StrangerKeyPem { get; }

    public static TestCertificates Create() => new(System.IO.Directory.CreateTempSubdirectory("dstack-tls-").FullName);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static X509Certificate2 CreateAuthority(string subject, ECDsa key, DateTimeOffset now)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
    }

    private static (string Certificate, string Key) CreateLeaf(X509Certificate2 issuer, string subject, string usage, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (usage == ServerAuthentication)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var certificate = request.Create(issuer, now.AddHours(-1), now.AddDays(1), serial);
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
