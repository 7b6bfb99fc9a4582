// Self-signed certificates made in memory, for STARTTLS between test peers; nothing is read from or written to a store.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.TestSupport.Smtp;

public static class TestCertificates
{
    /// <summary>
    /// A self-signed RSA certificate for <paramref name="hostName"/>, valid from yesterday until <paramref name="notAfter"/>
    /// (a year from now when not given), with its private key.
    /// </summary>
    public static X509Certificate2 SelfSigned(string hostName, DateTimeOffset? notAfter = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using X509Certificate2 made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(1));

        // A round trip through PKCS#12 gives a certificate whose key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), password: null);
    }

    /// <summary>The certificate and its private key in PEM, for servers configured with files (aiosmtpd --tlscert/--tlskey).</summary>
    public static (string CertificatePem, string KeyPem) SelfSignedPem(string hostName)
    {
        using X509Certificate2 certificate = SelfSigned(hostName);
        using RSA key = certificate.GetRSAPrivateKey() ?? throw new InvalidOperationException("No private key.");
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
