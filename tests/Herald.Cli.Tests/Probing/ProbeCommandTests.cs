// `herald probe` against the loopback mail network: exit codes per case, the key lines, JSON read back, STARTTLS.
using System.CommandLine;
using System.Text.Json;
using Herald.Cli.Commands;
using Herald.Cli.Tests.Commands;
using Herald.TestSupport.Smtp;
using Spectre.Console;

namespace Herald.Cli.Tests.Probing;

public sealed class ProbeCommandTests(ProbeNetwork network) : IClassFixture<ProbeNetwork>
{
    [Fact]
    public async Task GoodDomain_WithRecipient_AcceptsMail_Exit0()
    {
        CliResult result = await ProbeAsync("good.test", network.Good, "--rcpt", "user@good.test");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("preference 10: mx.good.test", result.Output, StringComparison.Ordinal);
        Assert.Contains("Addresses: 127.0.0.2", result.Output, StringComparison.Ordinal);
        Assert.Contains("Greeting: 220 mx.good.test ESMTP scripted", result.Output, StringComparison.Ordinal);
        Assert.Contains("220 Service ready", result.Output, StringComparison.Ordinal);
        Assert.Contains("Extensions: PIPELINING, SIZE 10240000, 8BITMIME, ENHANCEDSTATUSCODES", result.Output, StringComparison.Ordinal);
        Assert.Contains("STARTTLS is not offered", result.Output, StringComparison.Ordinal);
        Assert.Contains("MAIL FROM:<>: 250 2.1.0 Ok", result.Output, StringComparison.Ordinal);
        Assert.Contains("RCPT TO:<user@good.test>: 250 2.1.5 Ok", result.Output, StringComparison.Ordinal);
        Assert.Contains("good.test accepts mail for user@good.test (exit 0).", result.Output, StringComparison.Ordinal);

        // The probe never sends DATA, and says goodbye.
        Assert.Contains("RCPT TO:<user@good.test>", network.Good.Commands);
        Assert.DoesNotContain("DATA", network.Good.Commands);
        Assert.Contains("QUIT", network.Good.Commands);
        ScreenRules.AssertReadable(result.Output);
    }

    [Fact]
    public async Task BusyDomain_421Greeting_IsTransient_Exit75()
    {
        CliResult result = await ProbeAsync("busy.test", network.Busy);

        Assert.Equal(75, result.ExitCode);
        Assert.Contains("Greeting: 421 4.3.2 mx.busy.test Service not available - too many connections, try again later", result.Output, StringComparison.Ordinal);
        Assert.Contains("421 Service not available, closing channel: The server cannot serve this session now", result.Output, StringComparison.Ordinal);
        Assert.Contains("Retried: a sending MTA keeps the message in its queue and tries again later.", result.Output, StringComparison.Ordinal);
        Assert.Contains("Result: transient failure, a sender would try again later", result.Output, StringComparison.Ordinal);
        Assert.Contains("(exit 75)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoMailDomain_521Greeting_IsPermanent_Exit69()
    {
        CliResult result = await ProbeAsync("nomail.test", network.NoMail);

        Assert.Equal(69, result.ExitCode);
        Assert.Contains("Greeting: 521 5.3.2 mx.nomail.test does not accept mail", result.Output, StringComparison.Ordinal);
        Assert.Contains("521 Host does not accept mail: This host never accepts mail", result.Output, StringComparison.Ordinal);
        Assert.Contains("Not retried", result.Output, StringComparison.Ordinal);
        Assert.Contains("nomail.test does not accept the mail; the failure is permanent", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NullMx_DoesNotAcceptMail_Exit69_WithoutConnecting()
    {
        CliResult result = await ProbeAsync("null.test", network.Good);

        Assert.Equal(69, result.ExitCode);
        Assert.Contains("null.test publishes a null MX: this domain does not accept mail (RFC 7505).", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Connect:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingDomain_IsNxDomain_Exit68()
    {
        CliResult result = await ProbeAsync("missing.test", network.Good);

        Assert.Equal(68, result.ExitCode);
        Assert.Contains("missing.test does not exist (NXDOMAIN).", result.Output, StringComparison.Ordinal);
        Assert.Contains("missing.test does not exist for mail (exit 68).", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenDomain_ServFail_IsTransient_Exit75()
    {
        CliResult result = await ProbeAsync("broken.test", network.Good);

        Assert.Equal(75, result.ExitCode);
        Assert.Contains("The DNS cannot answer for broken.test now", result.Output, StringComparison.Ordinal);
        Assert.Contains("SERVFAIL", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoMxButAnAddress_IsItsOwnImplicitMx()
    {
        CliResult result = await ProbeAsync("implicit.test", network.Good);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("implicit.test has no MX record but has an address", result.Output, StringComparison.Ordinal);
        Assert.Contains("implicit MX, RFC 5321 §5.1", result.Output, StringComparison.Ordinal);
        Assert.Contains("Greeting: 220 mx.good.test", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedConnection_IsTransient_Exit75()
    {
        CliResult result = await ProbeAsync("refused.test", network.Good);

        Assert.Equal(75, result.ExitCode);
        Assert.Contains("Connect: failed: Connection refused", result.Output, StringComparison.Ordinal);
        Assert.Contains("Result: transient failure", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MxHostWithoutAddress_IsPermanent_Exit69()
    {
        CliResult result = await ProbeAsync("nohost.test", network.Good);

        Assert.Equal(69, result.ExitCode);
        Assert.Contains("mx.nohost.test has no address (A/AAAA): it cannot be reached.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EhloRefusedForGood_IsPermanent_AndTheSessionStillEndsWithQuit()
    {
        CliResult result = await ProbeAsync("shy.test", network.Shy);

        Assert.Equal(69, result.ExitCode);
        Assert.Matches(@"EHLO \S+: 554 5\.7\.1 mx\.shy\.test Client host rejected: go away", result.Output);
        Assert.Contains("5.7.1 Delivery not authorized, message refused", result.Output, StringComparison.Ordinal);
        Assert.Contains("QUIT", network.Shy.Commands);
    }

    [Fact]
    public async Task ServerWithoutEhlo_IsGreetedWithHelo()
    {
        CliResult result = await ProbeAsync("old.test", network.Old, "--rcpt", "user@old.test");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"HELO \S+: 250 mx\.old\.test", result.Output);
        Assert.Contains("No extensions offered.", result.Output, StringComparison.Ordinal);
        Assert.Contains("RCPT TO:<user@old.test>: 250 2.1.5 Ok", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_ReadsBack_WithStepsRepliesAndExplanations()
    {
        CliResult result = await ProbeAsync("busy.test", network.Busy, "--json");

        Assert.Equal(75, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.Equal("busy.test", root.GetProperty("target").GetString());
        Assert.Equal("domain", root.GetProperty("kind").GetString());
        Assert.Equal("transient", root.GetProperty("outcome").GetString());
        Assert.Equal(75, root.GetProperty("exitCode").GetInt32());
        Assert.Equal("mx", root.GetProperty("dns").GetProperty("outcome").GetString());
        Assert.Equal("mx.busy.test", root.GetProperty("dns").GetProperty("mx")[0].GetProperty("host").GetString());

        JsonElement address = root.GetProperty("hosts")[0].GetProperty("addresses")[0];
        Assert.Equal("127.0.0.3", address.GetProperty("address").GetString());
        Assert.Equal("transient", address.GetProperty("outcome").GetString());
        JsonElement greeting = address.GetProperty("steps")[1];
        Assert.Equal("greeting", greeting.GetProperty("step").GetString());
        Assert.Equal(421, greeting.GetProperty("reply").GetProperty("code").GetInt32());
        Assert.Equal("4.3.2", greeting.GetProperty("reply").GetProperty("enhancedCode").GetString());
        JsonElement explanation = greeting.GetProperty("explanation");
        Assert.Equal("retry-later", explanation.GetProperty("retry").GetString());
        Assert.Equal("Service not available, closing channel", explanation.GetProperty("basic").GetProperty("title").GetString());
    }

    [Fact]
    public async Task Json_NullMxAndNxDomain_CarryTheirDnsOutcome()
    {
        using JsonDocument nullMx = JsonDocument.Parse((await ProbeAsync("null.test", network.Good, "--json")).Output);
        Assert.Equal("null-mx", nullMx.RootElement.GetProperty("dns").GetProperty("outcome").GetString());
        Assert.Equal(69, nullMx.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Equal(0, nullMx.RootElement.GetProperty("hosts").GetArrayLength());

        using JsonDocument missing = JsonDocument.Parse((await ProbeAsync("missing.test", network.Good, "--json")).Output);
        Assert.Equal("nxdomain", missing.RootElement.GetProperty("dns").GetProperty("outcome").GetString());
        Assert.Equal("no-such-domain", missing.RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task StartTls_ReportsProtocolSubjectIssuerAndExpiry_AndGoesOnDespiteTheSelfSignedCertificate()
    {
        CliResult result = await ProbeAsync("tls.test", network.Tls, "--rcpt", "user@tls.test");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("STARTTLS: 220 2.0.0 Ready to start TLS", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"TLS handshake: TLS 1\.[23], TLS_\w+", result.Output);
        Assert.Contains("Subject: CN=mx.tls.test", result.Output, StringComparison.Ordinal);
        Assert.Contains("Issuer: CN=mx.tls.test", result.Output, StringComparison.Ordinal);
        Assert.Contains("Valid until: 2045-06-30 12:00:00 UTC", result.Output, StringComparison.Ordinal);
        Assert.Contains("The certificate names mx.tls.test.", result.Output, StringComparison.Ordinal);
        Assert.Contains("The certificate chain is not trusted here (RemoteCertificateChainErrors)", result.Output, StringComparison.Ordinal);
        Assert.Contains("RCPT TO:<user@tls.test>: 250 2.1.5 Ok", result.Output, StringComparison.Ordinal);

        // RFC 3207 §4.2: EHLO again after the handshake; the recipient was given inside TLS.
        IReadOnlyList<string> commands = network.Tls.Commands;
        int startTls = commands.ToList().IndexOf("STARTTLS");
        Assert.True(startTls > 0);
        Assert.StartsWith("EHLO ", commands[startTls + 1], StringComparison.Ordinal);

        using JsonDocument json = JsonDocument.Parse((await ProbeAsync("tls.test", network.Tls, "--json")).Output);
        JsonElement tls = json.RootElement.GetProperty("hosts")[0].GetProperty("addresses")[0].GetProperty("steps")
            .EnumerateArray().Single(s => s.GetProperty("step").GetString() == "tls-handshake").GetProperty("tls");
        Assert.Equal("CN=mx.tls.test", tls.GetProperty("subject").GetString());
        Assert.Equal("CN=mx.tls.test", tls.GetProperty("issuer").GetString());
        Assert.Equal(ProbeNetwork.CertificateExpiry, DateTimeOffset.Parse(tls.GetProperty("notAfter").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(tls.GetProperty("nameMatches").GetBoolean());
        Assert.False(tls.GetProperty("chainTrusted").GetBoolean());
    }

    [Fact]
    public async Task HostWithPort_IsProbedWithoutMxLookup()
    {
        CliResult result = await ProbeAsync($"127.0.0.2:{network.Good.EndPoint.Port}", network.Good);

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("MX records", result.Output, StringComparison.Ordinal);
        Assert.Contains($"At 127.0.0.2:{network.Good.EndPoint.Port}", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Arabic_ExplainsTheGreetingFromTheKnowledgeBase()
    {
        CliResult result = await ProbeAsync("busy.test", network.Busy, "--lang", "ar");

        Assert.Equal(75, result.ExitCode);
        Assert.Contains("التحية", result.Output, StringComparison.Ordinal);
        Assert.Contains("الخدمة غير متاحة، وسيُغلق الاتصال", result.Output, StringComparison.Ordinal);
        Assert.Contains("رمز الخروج", result.Output, StringComparison.Ordinal);
        ScreenRules.AssertReadable(result.Output);
    }

    [Theory]
    [InlineData("exa mple.test")]
    [InlineData("mx.good.test:99999")]
    [InlineData("[not-an-address]:25")]
    public async Task BadTarget_IsAUsageError(string target)
    {
        CliResult result = await RunAsync(["probe", target, "--dns", network.Dns.ServerAddress]);

        Assert.Equal(64, result.ExitCode);
        Assert.StartsWith("herald probe:", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--rcpt", "not an address")]
    [InlineData("--dns", "dns.example:53")]
    [InlineData("--timeout", "0")]
    public async Task BadOption_IsAUsageError(string option, string value)
    {
        CliResult result = await RunAsync(["probe", "good.test", option, value]);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
    }

    private Task<CliResult> ProbeAsync(string target, ScriptedSmtpPeer host, params string[] more) =>
        RunAsync(["probe", target, "--dns", network.Dns.ServerAddress, "--port", host.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--timeout", "20", .. more]);

    private static async Task<CliResult> RunAsync(string[] args)
    {
        IAnsiConsole console = CliRun.NewConsole(out StringWriter output);
        var error = new StringWriter { NewLine = "\n" };

        var root = new RootCommand("herald");
        root.Subcommands.Add(ProbeCommand.Create(console, _ => null));
        int exitCode = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}
