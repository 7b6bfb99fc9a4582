// The `herald probe` report for people: DNS, each host and address step by step, replies explained, a verdict.
using System.Globalization;
using System.Net.Security;
using Herald.Cli.Commands;
using Herald.Cli.Smtp;
using Herald.Dns;
using Herald.Protocol.Knowledge;
using Herald.Protocol.Replies;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Herald.Cli.Probing;

/// <summary>
/// Renders a <see cref="ProbeReport"/>. Every line is wrapped here and, in a right-to-left language,
/// isolated (see <see cref="Bidi"/>), so Arabic labels and explanations read correctly next to the
/// servers' own (English) reply texts.
/// </summary>
internal sealed class ProbeScreen(CliText words, CultureInfo culture, int width, TimeSpan stepTimeout, DateTimeOffset now)
{
    private static readonly Style FailureStyle = new(foreground: Color.Red);
    private static readonly Style SuccessStyle = new(foreground: Color.Green);
    private static readonly Style NoteStyle = new(foreground: Color.Yellow);
    private static readonly Style DimStyle = new(decoration: Decoration.Dim);

    private bool Rtl => words.IsRightToLeft;

    public IEnumerable<IRenderable> Render(ProbeReport report)
    {
        var lines = new List<IRenderable>
        {
            ReplyScreen.Heading(report.Target.Port is null ? words.Format("probe.heading", report.Target.Input, report.Port) : words.Format("probe.headingWithPort", report.Target.Input), Rtl),
        };
        if (report.Recipient is { } recipient)
        {
            Add(lines, 0, words.Format("probe.recipient", recipient));
        }

        if (report.Dns is { } dns)
        {
            lines.Add(ReplyScreen.Heading(words["probe.dns"], Rtl));
            RenderDns(lines, dns);
        }

        foreach (HostProbe host in report.Hosts)
        {
            lines.Add(ReplyScreen.Heading(host.Preference is { } preference ? words.Format("probe.host", host.Name, preference) : words.Format("probe.hostOnly", host.Name), Rtl));
            RenderHost(lines, host, report.Recipient);
        }

        lines.Add(ReplyScreen.Heading(words["probe.verdict"], Rtl));
        string name = report.Target.Input;
        string verdict = report.Outcome switch
        {
            ProbeOutcome.Accepts when report.Recipient is { } r => words.Format("probe.verdict.acceptsRcpt", name, r),
            ProbeOutcome.Accepts => words.Format("probe.verdict.accepts", name),
            ProbeOutcome.Transient => words.Format("probe.verdict.transient", name),
            ProbeOutcome.Permanent => words.Format("probe.verdict.permanent", name),
            _ => words.Format("probe.verdict.noSuchDomain", name),
        };
        Add(lines, 0, verdict, report.Outcome == ProbeOutcome.Accepts ? SuccessStyle : FailureStyle);
        return lines;
    }

    private void RenderDns(List<IRenderable> lines, DnsStep dns)
    {
        string elapsed = Elapsed(dns.Elapsed);
        switch (dns.Outcome)
        {
            case DnsOutcome.Mx:
                Add(lines, 0, $"{words.Format("probe.dns.mx", dns.Domain)} ({elapsed})");
                foreach (MxHost host in dns.Hosts)
                {
                    Add(lines, 2, words.Format("probe.dns.mxHost", host.Preference, host.Name));
                }

                break;
            case DnsOutcome.ImplicitMx:
                Add(lines, 0, $"{words.Format("probe.dns.implicit", dns.Domain)} ({elapsed})", NoteStyle);
                break;
            case DnsOutcome.NullMx:
                Add(lines, 0, $"{words.Format("probe.dns.nullMx", dns.Domain)} ({elapsed})", FailureStyle);
                break;
            case DnsOutcome.NxDomain:
                Add(lines, 0, $"{words.Format("probe.dns.nxdomain", dns.Domain)} ({elapsed})", FailureStyle);
                break;
            case DnsOutcome.NoAddressRecords:
                Add(lines, 0, $"{words.Format("probe.dns.noAddress", dns.Domain)} ({elapsed})", FailureStyle);
                break;
            case DnsOutcome.InvalidName:
                Add(lines, 0, words.Format("probe.dns.invalid", dns.Domain), FailureStyle);
                break;
            case DnsOutcome.TemporaryFailure:
                Add(lines, 0, $"{words.Format("probe.dns.failure", dns.Domain, dns.Reason)} ({elapsed})", FailureStyle);
                break;
            default:
                Add(lines, 0, words.Format("probe.dns.timeout", dns.Domain, Seconds(stepTimeout)), FailureStyle);
                break;
        }
    }

    private void RenderHost(List<IRenderable> lines, HostProbe host, string? recipient)
    {
        switch (host.Resolution)
        {
            case null when host.ResolutionTimedOut:
                Add(lines, 0, words.Format("probe.addresses.timeout", host.Name, Seconds(stepTimeout)), FailureStyle);
                break;
            case AddressResolution.Found found:
                Add(lines, 0, $"{words.Format("probe.addresses", string.Join(", ", found.Addresses))} ({Elapsed(host.ResolutionElapsed)})");
                break;
            case AddressResolution.NoSuchHost:
                Add(lines, 0, words.Format("probe.addresses.none", host.Name), FailureStyle);
                break;
            case AddressResolution.TemporaryFailure failure:
                Add(lines, 0, words.Format("probe.addresses.failure", host.Name, failure.Reason), FailureStyle);
                break;
            default:
                break;
        }

        foreach (AddressProbe address in host.Addresses)
        {
            Add(lines, 0, words.Format("probe.endpoint", MailProbe.Format(address.EndPoint)));
            RenderSteps(lines, host.Name, address);
            string outcome = address.Outcome switch
            {
                ProbeOutcome.Accepts when recipient is not null => words.Format("probe.outcome.acceptsRcpt", recipient),
                ProbeOutcome.Accepts => words["probe.outcome.accepts"],
                ProbeOutcome.Transient => words["probe.outcome.transient"],
                _ => words["probe.outcome.permanent"],
            };
            Add(lines, 2, words.Format("probe.result", outcome), address.Outcome == ProbeOutcome.Accepts ? SuccessStyle : FailureStyle);
        }
    }

    private void RenderSteps(List<IRenderable> lines, string hostName, AddressProbe address)
    {
        for (int i = 0; i < address.Steps.Count; i++)
        {
            ProbeStep step = address.Steps[i];
            string label = step.Kind switch
            {
                ProbeStepKind.Connect => words["probe.step.connect"],
                ProbeStepKind.Greeting => words["probe.step.greeting"],
                ProbeStepKind.TlsHandshake => words["probe.step.tls"],
                _ => step.Command!,
            };
            string result = step switch
            {
                { TimedOut: true } => words.Format("probe.timedOut", Seconds(stepTimeout)),
                { Error: { } error } => words.Format("probe.failed", error),
                { Reply: { } reply } when step.Kind is ProbeStepKind.Ehlo && reply.IsPositive => reply.Lines[0],
                { Reply: { } reply } => reply.ToString(),
                { Tls: { } tls } => words.Format("probe.handshakeDone", ProtocolName(tls), tls.CipherSuite),
                _ => words["probe.connected"],
            };
            Add(lines, 2, $"{label}: {result} ({Elapsed(step.Elapsed)})", step.Succeeded ? Style.Plain : FailureStyle);

            if (step.Reply is { } explained && (step.Kind is ProbeStepKind.Greeting or ProbeStepKind.Rcpt || !explained.IsPositive))
            {
                Explain(lines, explained);
            }

            if (step.Kind is ProbeStepKind.Ehlo or ProbeStepKind.Helo && step.Reply is { IsPositive: true })
            {
                string[] extensions = [.. step.Reply.Lines.Skip(1)];
                Add(lines, 4, extensions.Length == 0 ? words["probe.noExtensions"] : words.Format("probe.extensions", string.Join(", ", extensions)), DimStyle);

                // Said once, after the first EHLO of a session: the EHLO after the handshake cannot offer it again.
                bool beforeTls = i == 0 || address.Steps.Take(i).LastOrDefault(s => s.Kind is ProbeStepKind.Connect or ProbeStepKind.TlsHandshake)?.Kind == ProbeStepKind.Connect;
                if (beforeTls && !extensions.Any(e => e.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase)))
                {
                    Add(lines, 4, words["probe.tls.notOffered"], NoteStyle);
                }
            }

            if (step.Tls is { } details)
            {
                RenderCertificate(lines, hostName, details);
            }

            if (step.Kind == ProbeStepKind.TlsHandshake && !step.Succeeded)
            {
                Add(lines, 4, words["probe.tls.fallback"], NoteStyle);
            }
        }
    }

    private void RenderCertificate(List<IRenderable> lines, string hostName, TlsDetails tls)
    {
        if (tls.Subject is null)
        {
            Add(lines, 4, words["probe.tls.noCertificate"], FailureStyle);
            return;
        }

        Add(lines, 4, words.Format("probe.tls.subject", tls.Subject));
        Add(lines, 4, words.Format("probe.tls.issuer", tls.Issuer));
        if (tls.NotAfter is { } notAfter)
        {
            bool expired = notAfter < now;
            Add(lines, 4, words.Format(expired ? "probe.tls.expired" : "probe.tls.validUntil", Date(notAfter)), expired ? FailureStyle : Style.Plain);
        }

        Add(lines, 4, words.Format(tls.NameMatches ? "probe.tls.nameMatches" : "probe.tls.nameMismatch", hostName), tls.NameMatches ? Style.Plain : NoteStyle);
        SslPolicyErrors chain = tls.Errors & ~SslPolicyErrors.RemoteCertificateNameMismatch;
        Add(lines, 4, chain == SslPolicyErrors.None ? words["probe.tls.trusted"] : words.Format("probe.tls.untrusted", chain), chain == SslPolicyErrors.None ? Style.Plain : NoteStyle);
    }

    /// <summary>What the knowledge base says about a reply: the basic code, the enhanced code, and what a sender does next.</summary>
    private void Explain(List<IRenderable> lines, SmtpReply reply)
    {
        ReplyExplanation explanation = ReplyKnowledge.Default.Explain(new ParsedReply(reply.Code, reply.Enhanced, reply.Text), culture);
        if (explanation.Basic is { } basic)
        {
            Add(lines, 4, $"{basic.Code} {basic.Title}: {basic.Meaning}", DimStyle);
        }

        if (explanation.Enhanced is { IsKnown: true } enhanced)
        {
            Add(lines, 4, $"{enhanced.Code} {enhanced.Title}: {enhanced.Meaning}", DimStyle);
        }

        if (!reply.IsPositive)
        {
            Add(lines, 4, (explanation.Basic ?? explanation.Enhanced)!.RetryText, NoteStyle);
        }
    }

    private void Add(List<IRenderable> lines, int indent, string text, Style? style = null)
    {
        string pad = new(' ', indent + 2);
        foreach (string line in Bidi.Lines(text, width - pad.Length, Rtl))
        {
            lines.Add(new Text(pad + line, style ?? Style.Plain));
        }
    }

    private string Elapsed(TimeSpan elapsed) => words.Format("probe.elapsed", Math.Round(elapsed.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));

    internal static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    internal static string Date(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>"TLS 1.3" rather than the enum's "Tls13".</summary>
    internal static string ProtocolName(TlsDetails tls) => tls.Protocol.ToString() switch
    {
        "Tls" => "TLS 1.0",
        "Tls11" => "TLS 1.1",
        "Tls12" => "TLS 1.2",
        "Tls13" => "TLS 1.3",
        string other => other,
    };
}
