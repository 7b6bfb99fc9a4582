// Chooses the server certificate: the configured PEM files, or a self-signed one kept in the data directory.
using Herald.Cli.Configuration;
using Herald.Server.Tls;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.Hosting;

internal static class TlsSetup
{
    public static TlsContext Create(HeraldSettings settings, ILogger logger)
    {
        if (settings.Server.Tls is { CertificatePath: { } certificate, KeyPath: { } key })
        {
            TlsContext configured = TlsContext.FromPemFiles(certificate, key);
            logger.LogInformation("TLS certificate {Subject}, valid until {NotAfter:u}", configured.Certificate.Subject, configured.Certificate.NotAfter);
            return configured;
        }

        TlsContext selfSigned = SelfSignedCertificate.LoadOrCreate(settings.TlsDirectory, settings.Server.Hostname, out bool created);
        logger.LogInformation(
            "no TLS certificate configured: {Action} a self-signed one for {Host} in {Directory} (set Tls:CertificatePath and Tls:KeyPath for a real one)",
            created ? "made" : "using",
            settings.Server.Hostname,
            settings.TlsDirectory);
        return selfSigned;
    }
}
