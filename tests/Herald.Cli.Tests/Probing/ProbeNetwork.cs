// A small mail network on loopback addresses for `herald probe`: a DNS zone and one scripted SMTP peer per case.
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

    /// <summary>The extensions every host offers after EHLO (tls.test adds STARTTLS).</summary>
    private static readonly string[] Extensions = ["PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES"];

    private X509Certificate2? _certificate;

    public LoopbackDnsServer Dns { get; private set; } = null!;

    public ScriptedSmtpPeer Good { get; private set; } = null!;

    public ScriptedSmtpPeer Busy { get; private set; } = null!;

    public ScriptedSmtpPeer NoMail { get; private set; } = null!;

    public ScriptedSmtpPeer Tls { get; private set; } = null!;

    public ScriptedSmtpPeer Shy { get; private set; } = null!;

    public ScriptedSmtpPeer Old { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Dns = LoopbackDnsServer.Start();
        Good = ScriptedSmtpPeer.Start("127.0.0.2", new PeerScript { Extensions = Extensions }, "mx.good.test");

        // A greeting that refuses the session is followed by a close, as RFC 5321 §3.8 and RFC 7504 servers do.
        Busy = ScriptedSmtpPeer.Start("127.0.0.3", new PeerScript
        {
            Greeting = _ => new PeerReply("421 4.3.2 mx.busy.test Service not available - too many connections, try again later", PeerAction.Close),
        }, "mx.busy.test");
        NoMail = ScriptedSmtpPeer.Start("127.0.0.4", new PeerScript
        {
            Greeting = _ => new PeerReply("521 5.3.2 mx.nomail.test does not accept mail", PeerAction.Close),
        }, "mx.nomail.test");
        _certificate = TestCertificates.SelfSigned("mx.tls.test", CertificateExpiry);
        Tls = ScriptedSmtpPeer.Start("127.0.0.5", new PeerScript { Extensions = Extensions, Certificate = _certificate }, "mx.tls.test");
        Shy = ScriptedSmtpPeer.Start("127.0.0.7", new PeerScript
        {
            Extensions = Extensions,
            Ehlo = (_, _) => "554 5.7.1 mx.shy.test Client host rejected: go away",
        }, "mx.shy.test");
        Old = ScriptedSmtpPeer.Start("127.0.0.8", new PeerScript
        {
            Extensions = Extensions,
            Ehlo = (_, _) => "502 5.5.1 Error: command not implemented",
        }, "mx.old.test");

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
}
