// The server certificate and the TLS settings every STARTTLS and implicit-TLS handshake uses.
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Server.Tls;

/// <summary>TLS 1.2 and 1.3 only, with one server certificate.</summary>
public sealed class TlsContext(X509Certificate2 certificate) : IDisposable
{
    public X509Certificate2 Certificate { get; } = certificate;

    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificate = Certificate,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    /// <summary>Loads a PEM certificate (chain) and its PEM private key.</summary>
    public static TlsContext FromPemFiles(string certificatePath, string keyPath) =>
        new(X509Certificate2.CreateFromPemFile(certificatePath, keyPath));

    public void Dispose() => Certificate.Dispose();
}
