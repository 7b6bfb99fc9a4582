// A small mail network on loopback addresses for `herald probe`: a DNS zone and one scripted SMTP host per case.
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.TestSupport.Dns;
using Herald.TestSupport.Smtp;

namespace Herald.Cli.Tests.Probing;

/// <summary>
/// good.test takes mail, busy.test greets with 421, nomail.test with 521, tls.test speaks STARTTLS with a
/// self-signed certificate, null.test publishes a null MX, missing.test does not exist and broken.test
/// gets SERVFAIL; implicit.test has only an address, refused.test's host listens on nothing and
/// nohost.test's MX host has no address; shy.test refuses EHLO and old.test knows only HELO. Each MX host has an address of its own (127.0.0.2, ...) and a port of its own.
/// </summary>
public sealed class ProbeNetwork : IAsyncLifetime
{
    /// <summary>The expiry of the test certificate, far enough ahead that the test never sees it expire.</summary>
    public static readonly DateTimeOffset CertificateExpiry = new(2045, 6, 30, 12, 0, 0, TimeSpan.Zero);

    private X509Certificate2? _certificate;

    public LoopbackDnsServer Dns { get; private set; } = null!;

    public ScriptedSmtpHost Good { get; private set; } = null!;

    public ScriptedSmtpHost Busy { get; private set; } = null!;

    public ScriptedSmtpHost NoMail { get; private set; } = null!;

    public ScriptedSmtpHost Tls { get; private set; } = null!;

    public ScriptedSmtpHost Shy { get; private set; } = null!;

    public ScriptedSmtpHost Old { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Dns = LoopbackDnsServer.Start();
        Good = ScriptedSmtpHost.Start(IPAddress.Parse("127.0.0.2"), new SmtpScript { Hostname = "mx.good.test" });
        Busy = ScriptedSmtpHost.Start(IPAddress.Parse("127.0.0.3"), new SmtpScript
        {
            Hostname = "mx.busy.test",
            Greeting = "421 4.3.2 mx.busy.test Service not available - too many connections, try again later",
        });
        NoMail = ScriptedSmtpHost.Start(IPAddress.Parse("127.0.0.4"), new SmtpScript
        {
            Hostname = "mx.nomail.test",
            Greeting = "521 5.3.2 mx.nomail.test does not accept mail",
        });
        _certificate = SelfSigned("mx.tls.test");
        Tls = ScriptedSmtpHost.Start(IPAddress.Parse("127.0.0.5"), new SmtpScript { Hostname = "mx.tls.test", Certificate = _certificate });
        var shy = new SmtpScript { Hostname = "mx.shy.test" };
        shy.Replies["EHLO"] = "554 5.7.1 mx.shy.test Client host rejected: go away";
        Shy = ScriptedSmtpHost.Start(IPAddress.Parse("127.0.0.7"), shy);
        var old = new SmtpScript { Hostname = "mx.old.test" };
        old.Replies["EHLO"] = "502 5.5.1 Error: command not implemented";
        Old = ScriptedSmtpHost.Start(IPAddress.Parse("127.0.0.8"), old);

        Dns.AddMx("good.test", 10, "mx.good.test").AddA("mx.good.test", "127.0.0.2");
        Dns.AddMx("busy.test", 10, "mx.busy.test").AddA("mx.busy.test", "127.0.0.3");
        Dns.AddMx("nomail.test", 10, "mx.nomail.test").AddA("mx.nomail.test", "127.0.0.4");
        Dns.AddMx("tls.test", 10, "mx.tls.test").AddA("mx.tls.test", "127.0.0.5");
        Dns.AddA("implicit.test", "127.0.0.2");
        Dns.AddMx("shy.test", 10, "mx.shy.test").AddA("mx.shy.test", "127.0.0.7");
        Dns.AddMx("old.test", 10, "mx.old.test").AddA("mx.old.test", "127.0.0.8");
        Dns.AddMx("refused.test", 10, "mx.refused.test").AddA("mx.refused.test", "127.0.0.6");
        Dns.AddMx("nohost.test", 10, "mx.nohost.test");
        Dns.AddNullMx("null.test");
        Dns.AddServFail("broken.test");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Good.DisposeAsync();
        await Busy.DisposeAsync();
        await NoMail.DisposeAsync();
        await Tls.DisposeAsync();
        await Shy.DisposeAsync();
        await Old.DisposeAsync();
        await Dns.DisposeAsync();
        _certificate?.Dispose();
    }

    /// <summary>A server certificate for <paramref name="name"/>, signed by itself, with its key usable by SslStream.</summary>
    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), CertificateExpiry);

        // An ephemeral key cannot always be used by the TLS stack; a round trip through PKCS#12 gives a persisted one.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }
}
