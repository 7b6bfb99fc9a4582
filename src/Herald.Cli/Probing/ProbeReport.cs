// What `herald probe` found: the DNS answer, every host and address tried, each step with its reply and time.
using System.Net;
using Herald.Cli.Commands;
using Herald.Cli.Smtp;
using Herald.Dns;
using Herald.Protocol.Replies;

namespace Herald.Cli.Probing;

/// <summary>The conclusion of a probe, from best to worst for the sender; each has one exit code.</summary>
internal enum ProbeOutcome
{
    /// <summary>A host greeted with 220 (and took the recipient with 2xx when one was given).</summary>
    Accepts,

    /// <summary>Nothing accepted, but something may pass: 4xx, a timeout, a refused connection, a DNS failure.</summary>
    Transient,

    /// <summary>Every host refused for good (5xx, 521), or the domain publishes a null MX (RFC 7505).</summary>
    Permanent,

    /// <summary>The domain or host does not exist (NXDOMAIN, or no MX and no address).</summary>
    NoSuchDomain,
}

internal enum ProbeStepKind
{
    Connect,
    Greeting,
    Ehlo,
    Helo,
    StartTls,
    TlsHandshake,
    Mail,
    Rcpt,
    Quit,
}

/// <summary>What the DNS said about a domain target.</summary>
internal enum DnsOutcome
{
    Mx,
    ImplicitMx,
    NullMx,
    NxDomain,
    NoAddressRecords,
    InvalidName,
    TemporaryFailure,
    TimedOut,
}

/// <summary>One step of one SMTP session. Exactly one of <see cref="Reply"/>, <see cref="Error"/>, <see cref="TimedOut"/> tells how it ended, except for a connect or a TLS handshake that worked.</summary>
internal sealed record ProbeStep(
    ProbeStepKind Kind,
    string? Command,
    TimeSpan Elapsed,
    SmtpReply? Reply = null,
    string? Error = null,
    bool TimedOut = false,
    TlsDetails? Tls = null)
{
    /// <summary>The step got where it wanted: connected, handshake done, or a positive reply.</summary>
    public bool Succeeded => Error is null && !TimedOut && (Reply is null || Reply.IsPositive);
}

/// <summary>One address of one host, tried over one or two connections (the second without TLS when the handshake failed).</summary>
internal sealed record AddressProbe(IPEndPoint EndPoint, IReadOnlyList<ProbeStep> Steps, IReadOnlyList<string> Extensions, ProbeOutcome Outcome);

/// <summary>One mail exchanger: its addresses (or why there are none) and the probe of each.</summary>
internal sealed record HostProbe(
    string Name,
    int? Preference,
    TimeSpan ResolutionElapsed,
    AddressResolution? Resolution,
    bool ResolutionTimedOut,
    IReadOnlyList<AddressProbe> Addresses)
{
    /// <summary>The host's own conclusion: its best address, or why it had none to try.</summary>
    public ProbeOutcome Outcome => Addresses.Count > 0
        ? Addresses.Min(a => a.Outcome)
        : Resolution is AddressResolution.NoSuchHost ? ProbeOutcome.Permanent : ProbeOutcome.Transient;
}

/// <summary>The DNS step of a domain probe.</summary>
internal sealed record DnsStep(string Domain, DnsOutcome Outcome, IReadOnlyList<MxHost> Hosts, string? Reason, TimeSpan Elapsed);

internal sealed record ProbeReport(ProbeTarget Target, int Port, string? Recipient, DnsStep? Dns, IReadOnlyList<HostProbe> Hosts)
{
    /// <summary>
    /// The conclusion, as a sending MTA would draw it (docs/reply-contract.md §2): one host that accepts is
    /// enough; otherwise anything transient means "try later", since another attempt may find a host up; only
    /// when every host refused for good is the failure permanent.
    /// </summary>
    public ProbeOutcome Outcome => Dns?.Outcome switch
    {
        DnsOutcome.NxDomain or DnsOutcome.NoAddressRecords or DnsOutcome.InvalidName => ProbeOutcome.NoSuchDomain,
        DnsOutcome.NullMx => ProbeOutcome.Permanent,
        DnsOutcome.TemporaryFailure or DnsOutcome.TimedOut => ProbeOutcome.Transient,
        _ when Target.Kind == ProbeTargetKind.HostName && Hosts is [{ Resolution: AddressResolution.NoSuchHost }] => ProbeOutcome.NoSuchDomain,
        _ => Hosts.Count == 0 ? ProbeOutcome.Transient : Hosts.Min(h => h.Outcome),
    };

    public int ExitCode => ExitCodeOf(Outcome);

    public static int ExitCodeOf(ProbeOutcome outcome) => outcome switch
    {
        ProbeOutcome.Accepts => ExitCodes.Ok,
        ProbeOutcome.Transient => ExitCodes.TempFail,
        ProbeOutcome.Permanent => ExitCodes.Unavailable,
        _ => ExitCodes.NoHost,
    };
}
