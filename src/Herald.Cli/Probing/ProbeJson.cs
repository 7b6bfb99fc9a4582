// The `herald probe --json` report for scripts: the same facts as the screen, with stable names.
using System.Globalization;
using System.Text.Json;
using Herald.Cli.Commands;
using Herald.Cli.Smtp;
using Herald.Dns;
using Herald.Protocol.Knowledge;

namespace Herald.Cli.Probing;

internal static class ProbeJson
{
    public static string Write(ProbeReport report, CultureInfo language) => ReplyScreen.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("target", report.Target.Input);
        w.WriteString("kind", report.Target.Kind switch
        {
            ProbeTargetKind.Domain => "domain",
            ProbeTargetKind.HostName => "host",
            _ => "address",
        });
        w.WriteNumber("port", report.Port);
        WriteNullable(w, "recipient", report.Recipient);
        w.WriteString("language", language.Name);
        w.WriteString("outcome", Name(report.Outcome));
        w.WriteNumber("exitCode", report.ExitCode);
        if (report.Dns is { } dns)
        {
            w.WriteStartObject("dns");
            w.WriteString("domain", dns.Domain);
            w.WriteString("outcome", dns.Outcome switch
            {
                DnsOutcome.Mx => "mx",
                DnsOutcome.ImplicitMx => "implicit-mx",
                DnsOutcome.NullMx => "null-mx",
                DnsOutcome.NxDomain => "nxdomain",
                DnsOutcome.NoAddressRecords => "no-address-records",
                DnsOutcome.InvalidName => "invalid-name",
                DnsOutcome.TemporaryFailure => "temporary-failure",
                _ => "timeout",
            });
            WriteNullable(w, "reason", dns.Reason);
            w.WriteNumber("elapsedMs", Milliseconds(dns.Elapsed));
            w.WriteStartArray("mx");
            foreach (MxHost host in dns.Hosts)
            {
                w.WriteStartObject();
                w.WriteString("host", host.Name);
                w.WriteNumber("preference", host.Preference);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("dns");
        }

        w.WriteStartArray("hosts");
        foreach (HostProbe host in report.Hosts)
        {
            WriteHost(w, host, language);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WriteHost(Utf8JsonWriter w, HostProbe host, CultureInfo language)
    {
        w.WriteStartObject();
        w.WriteString("host", host.Name);
        if (host.Preference is { } preference)
        {
            w.WriteNumber("preference", preference);
        }
        else
        {
            w.WriteNull("preference");
        }

        w.WriteString("resolution", host.Resolution switch
        {
            null when host.ResolutionTimedOut => "timeout",
            null => "not-needed",
            AddressResolution.Found => "found",
            AddressResolution.NoSuchHost => "no-such-host",
            _ => "temporary-failure",
        });
        if (host.Resolution is AddressResolution.TemporaryFailure failure)
        {
            w.WriteString("resolutionError", failure.Reason);
        }

        w.WriteNumber("resolutionElapsedMs", Milliseconds(host.ResolutionElapsed));
        w.WriteString("outcome", Name(host.Outcome));
        w.WriteStartArray("addresses");
        foreach (AddressProbe address in host.Addresses)
        {
            w.WriteStartObject();
            w.WriteString("address", address.EndPoint.Address.ToString());
            w.WriteNumber("port", address.EndPoint.Port);
            w.WriteString("outcome", Name(address.Outcome));
            w.WriteStartArray("extensions");
            foreach (string extension in address.Extensions)
            {
                w.WriteStringValue(extension);
            }

            w.WriteEndArray();
            w.WriteStartArray("steps");
            foreach (ProbeStep step in address.Steps)
            {
                WriteStep(w, step, language);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteStep(Utf8JsonWriter w, ProbeStep step, CultureInfo language)
    {
        w.WriteStartObject();
        w.WriteString("step", step.Kind switch
        {
            ProbeStepKind.Connect => "connect",
            ProbeStepKind.Greeting => "greeting",
            ProbeStepKind.Ehlo => "ehlo",
            ProbeStepKind.Helo => "helo",
            ProbeStepKind.StartTls => "starttls",
            ProbeStepKind.TlsHandshake => "tls-handshake",
            ProbeStepKind.Mail => "mail",
            ProbeStepKind.Rcpt => "rcpt",
            _ => "quit",
        });
        WriteNullable(w, "command", step.Command);
        w.WriteBoolean("succeeded", step.Succeeded);
        w.WriteBoolean("timedOut", step.TimedOut);
        WriteNullable(w, "error", step.Error);
        w.WriteNumber("elapsedMs", Milliseconds(step.Elapsed));
        if (step.Reply is { } reply)
        {
            w.WriteStartObject("reply");
            w.WriteNumber("code", reply.Code.Value);
            WriteNullable(w, "enhancedCode", reply.Enhanced?.ToString());
            w.WriteStartArray("lines");
            foreach (string line in reply.Lines)
            {
                w.WriteStringValue(line);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WritePropertyName("explanation");
            ReplyExplanation explanation = ReplyKnowledge.Default.Explain(new ParsedReply(reply.Code, reply.Enhanced, reply.Text), language);
            ReplyScreen.WriteExplanation(w, reply.ToString(), explanation, language);
        }

        if (step.Tls is { } tls)
        {
            WriteTls(w, tls);
        }

        w.WriteEndObject();
    }

    private static void WriteTls(Utf8JsonWriter w, TlsDetails tls)
    {
        w.WriteStartObject("tls");
        w.WriteString("protocol", ProbeScreen.ProtocolName(tls));
        w.WriteString("cipherSuite", tls.CipherSuite);
        WriteNullable(w, "subject", tls.Subject);
        WriteNullable(w, "issuer", tls.Issuer);
        WriteNullable(w, "notBefore", tls.NotBefore?.ToString("O", CultureInfo.InvariantCulture));
        WriteNullable(w, "notAfter", tls.NotAfter?.ToString("O", CultureInfo.InvariantCulture));
        w.WriteBoolean("nameMatches", tls.NameMatches);
        w.WriteBoolean("chainTrusted", (tls.Errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == System.Net.Security.SslPolicyErrors.None);
        w.WriteString("validationErrors", tls.Errors.ToString());
        w.WriteEndObject();
    }

    private static string Name(ProbeOutcome outcome) => outcome switch
    {
        ProbeOutcome.Accepts => "accepts",
        ProbeOutcome.Transient => "transient",
        ProbeOutcome.Permanent => "permanent",
        _ => "no-such-domain",
    };

    private static long Milliseconds(TimeSpan time) => (long)Math.Round(time.TotalMilliseconds);

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }
}
