// A self-signed certificate for the host name, made once and kept, so STARTTLS works out of the box.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Server.Tls;

/// <summary>
/// Opportunistic TLS between MTAs does not verify certificates (RFC 7435), so a self-signed one still
/// buys encryption. It is written as PEM beside the data (certificate and key, mode 0600) and reused.
/// </summary>
public static class SelfSignedCertificate
{
    /// <summary>Loads the kept certificate, or makes one; <paramref name="created"/> says which.</summary>
    public static TlsContext LoadOrCreate(string directory, string hostname, out bool created)
    {
        string certificatePath = Path.Combine(directory, "selfsigned.crt");
        string keyPath = Path.Combine(directory, "selfsigned.key");
        created = false;
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            TlsContext existing = TlsContext.FromPemFiles(certificatePath, keyPath);
            if (existing.Certificate.NotAfter > DateTime.UtcNow.AddDays(7) && existing.Certificate.MatchesHostname(hostname))
            {
                return existing;
            }

            existing.Dispose();
        }

        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + hostname, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostname);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2));

        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        WritePrivate(certificatePath, certificate.ExportCertificatePem());
        created = true;
        return TlsContext.FromPemFiles(certificatePath, keyPath);
    }

    private static void WritePrivate(string path, string text)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        stream.Write(System.Text.Encoding.ASCII.GetBytes(text));
        stream.Flush(flushToDisk: true);
    }
}
