// The diagnostic engine of `herald probe`: looks up the MX hosts, then opens an SMTP session to each address.
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Herald.Cli.Smtp;
using Herald.Dns;
using Herald.Protocol.Replies;

namespace Herald.Cli.Probing;

/// <summary>How a probe behaves.</summary>
/// <param name="Port">The SMTP port of MX hosts and of host targets given without one (RFC 5321 §4.5.4.2: 25).</param>
/// <param name="StepTimeout">The longest wait for one step: a lookup, a connect, a handshake or one reply.</param>
/// <param name="Recipient">When set, the session goes on with MAIL FROM:&lt;&gt; and RCPT TO for it, without DATA.</param>
/// <param name="HeloName">The name given with EHLO.</param>
internal sealed record ProbeSettings(int Port, TimeSpan StepTimeout, string? Recipient, string HeloName);

/// <summary>A step being taken, for a live progress display: a text key of the CLI and what it is about.</summary>
internal readonly record struct ProbeActivity(string Key, string Subject);

/// <summary>
/// Walks the path a sending MTA would take (RFC 5321 §5.1): MX records in order of preference, every
/// address of each host, and on each a session up to the point asked for. Unlike a sending MTA it does
/// not stop at the first host that accepts: a diagnostic shows every host. Nothing here throws for what a
/// remote host or the DNS does; every outcome, timeouts included, is recorded in the report.
/// </summary>
internal sealed class MailProbe(IMxResolver resolver, ProbeSettings settings, TimeProvider time)
{
    private readonly ProbeSettings _settings = settings;
    private readonly TimeProvider _time = time;

    public async Task<ProbeReport> RunAsync(ProbeTarget target, IProgress<ProbeActivity>? progress, CancellationToken cancellationToken)
    {
        int port = target.Port ?? _settings.Port;
        if (target.Kind == ProbeTargetKind.Address)
        {
            var endpoint = new IPEndPoint(target.Address!, port);
            AddressProbe probe = await ProbeAddressAsync(target.Name, endpoint, progress, cancellationToken).ConfigureAwait(false);
            return new ProbeReport(target, port, _settings.Recipient, null, [new HostProbe(target.Name, null, TimeSpan.Zero, null, false, [probe])]);
        }

        if (target.Kind == ProbeTargetKind.HostName)
        {
            HostProbe host = await ProbeHostAsync(target.Name, null, port, progress, cancellationToken).ConfigureAwait(false);
            return new ProbeReport(target, port, _settings.Recipient, null, [host]);
        }

        progress?.Report(new ProbeActivity("probe.progress.mx", target.Name));
        DnsStep dns = await ResolveMxAsync(target.Name, cancellationToken).ConfigureAwait(false);
        var hosts = new List<HostProbe>();
        foreach (MxHost mx in dns.Hosts)
        {
            hosts.Add(await ProbeHostAsync(mx.Name, dns.Outcome == DnsOutcome.ImplicitMx ? null : mx.Preference, port, progress, cancellationToken).ConfigureAwait(false));
        }

        return new ProbeReport(target, port, _settings.Recipient, dns, hosts);
    }

    private async Task<DnsStep> ResolveMxAsync(string domain, CancellationToken cancellationToken)
    {
        long start = _time.GetTimestamp();
        using var timeout = new CancellationTokenSource(_settings.StepTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        MxResolution resolution;
        try
        {
            resolution = await resolver.ResolveMxAsync(domain, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new DnsStep(domain, DnsOutcome.TimedOut, [], null, _time.GetElapsedTime(start));
        }

        TimeSpan elapsed = _time.GetElapsedTime(start);
        return resolution switch
        {
            MxResolution.Found { IsImplicit: true } found => new DnsStep(domain, DnsOutcome.ImplicitMx, found.Hosts, null, elapsed),
            MxResolution.Found found => new DnsStep(domain, DnsOutcome.Mx, found.Hosts, null, elapsed),
            MxResolution.NullMx => new DnsStep(domain, DnsOutcome.NullMx, [], null, elapsed),
            MxResolution.NoSuchDomain { Reason: NoSuchDomainReason.NxDomain } => new DnsStep(domain, DnsOutcome.NxDomain, [], null, elapsed),
            MxResolution.NoSuchDomain { Reason: NoSuchDomainReason.InvalidName } => new DnsStep(domain, DnsOutcome.InvalidName, [], null, elapsed),
            MxResolution.NoSuchDomain => new DnsStep(domain, DnsOutcome.NoAddressRecords, [], null, elapsed),
            MxResolution.TemporaryFailure failure => new DnsStep(domain, DnsOutcome.TemporaryFailure, [], failure.Reason, elapsed),
            _ => throw new InvalidOperationException("Unknown MX resolution."),
        };
    }

    private async Task<HostProbe> ProbeHostAsync(string name, int? preference, int port, IProgress<ProbeActivity>? progress, CancellationToken cancellationToken)
    {
        progress?.Report(new ProbeActivity("probe.progress.addresses", name));
        long start = _time.GetTimestamp();
        AddressResolution? resolution = null;
        bool timedOut = false;
        using (var timeout = new CancellationTokenSource(_settings.StepTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
        {
            try
            {
                resolution = await resolver.ResolveAddressesAsync(name, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                timedOut = true;
            }
        }

        TimeSpan elapsed = _time.GetElapsedTime(start);
        var probes = new List<AddressProbe>();
        if (resolution is AddressResolution.Found found)
        {
            foreach (IPAddress address in found.Addresses)
            {
                probes.Add(await ProbeAddressAsync(name, new IPEndPoint(address, port), progress, cancellationToken).ConfigureAwait(false));
            }
        }

        return new HostProbe(name, preference, elapsed, resolution, timedOut, probes);
    }

    private async Task<AddressProbe> ProbeAddressAsync(string hostName, IPEndPoint endpoint, IProgress<ProbeActivity>? progress, CancellationToken cancellationToken)
    {
        var session = new Session(this, hostName, endpoint, progress, cancellationToken);
        ProbeOutcome outcome = await session.RunAsync(tryStartTls: true).ConfigureAwait(false);
        if (session.TlsFailed)
        {
            // Opportunistic TLS (RFC 7435): a sender whose handshake fails tries again in the clear, so
            // the probe does too, on a new connection, to tell whether the host takes mail at all.
            outcome = await session.RunAsync(tryStartTls: false).ConfigureAwait(false);
        }

        return new AddressProbe(endpoint, session.Steps, session.Extensions, outcome);
    }

    private static ProbeOutcome OutcomeOf(SmtpReply reply) => reply.IsPositive ? ProbeOutcome.Accepts
        : reply.IsPermanent ? ProbeOutcome.Permanent
        : ProbeOutcome.Transient;

    /// <summary>One address: one or two SMTP sessions, their steps appended to one list.</summary>
    private sealed class Session(MailProbe probe, string hostName, IPEndPoint endpoint, IProgress<ProbeActivity>? progress, CancellationToken cancellationToken)
    {
        private SmtpConnection? _connection;

        public List<ProbeStep> Steps { get; } = [];

        public IReadOnlyList<string> Extensions { get; private set; } = [];

        public bool TlsFailed { get; private set; }

        private ProbeSettings Settings => probe._settings;

        public async Task<ProbeOutcome> RunAsync(bool tryStartTls)
        {
            TlsFailed = false;
            try
            {
                return await ConverseAsync(tryStartTls).ConfigureAwait(false);
            }
            finally
            {
                if (_connection is not null)
                {
                    await _connection.DisposeAsync().ConfigureAwait(false);
                    _connection = null;
                }
            }
        }

        private async Task<ProbeOutcome> ConverseAsync(bool tryStartTls)
        {
            progress?.Report(new ProbeActivity("probe.progress.connect", $"{hostName} {Format(endpoint)}"));
            if (!await StepAsync(ProbeStepKind.Connect, null, async t =>
            {
                _connection = await SmtpConnection.ConnectAsync(endpoint, t).ConfigureAwait(false);
                return (object?)null;
            }).ConfigureAwait(false))
            {
                // RFC 5321 §5.1: a host that cannot be reached is skipped for the next; the message waits.
                return ProbeOutcome.Transient;
            }

            SmtpReply? greeting = await ReplyStepAsync(ProbeStepKind.Greeting, null).ConfigureAwait(false);
            if (greeting is null)
            {
                return ProbeOutcome.Transient;
            }

            if (!greeting.IsPositive)
            {
                // 421 at the greeting: busy now, try later; 521 (RFC 7504): this host never takes mail.
                // Either way the server closes, so nothing more is said.
                return OutcomeOf(greeting);
            }

            SmtpReply? hello = await HelloAsync().ConfigureAwait(false);
            if (hello is null || !hello.IsPositive)
            {
                return await EndAsync(hello is null ? ProbeOutcome.Transient : OutcomeOf(hello)).ConfigureAwait(false);
            }

            if (tryStartTls && Extensions.Any(e => e.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase)))
            {
                SmtpReply? ready = await ReplyStepAsync(ProbeStepKind.StartTls, "STARTTLS").ConfigureAwait(false);
                if (ready is null)
                {
                    return ProbeOutcome.Transient;
                }

                // A 454 (TLS not available now) leaves the session in the clear, as RFC 3207 §4 allows.
                if (ready.Code.Value == 220)
                {
                    if (!await StepAsync(ProbeStepKind.TlsHandshake, null, async t =>
                        (object?)await _connection!.StartTlsAsync(hostName, t).ConfigureAwait(false)).ConfigureAwait(false))
                    {
                        TlsFailed = true;
                        return ProbeOutcome.Transient;
                    }

                    // RFC 3207 §4.2: what the server said before TLS is forgotten; EHLO again.
                    hello = await HelloAsync().ConfigureAwait(false);
                    if (hello is null || !hello.IsPositive)
                    {
                        return await EndAsync(hello is null ? ProbeOutcome.Transient : OutcomeOf(hello)).ConfigureAwait(false);
                    }
                }
            }

            ProbeOutcome outcome = ProbeOutcome.Accepts;
            if (Settings.Recipient is { } recipient)
            {
                bool utf8 = !System.Text.Ascii.IsValid(recipient) && Extensions.Any(e => e.Equals("SMTPUTF8", StringComparison.OrdinalIgnoreCase));
                SmtpReply? mail = await ReplyStepAsync(ProbeStepKind.Mail, utf8 ? "MAIL FROM:<> SMTPUTF8" : "MAIL FROM:<>").ConfigureAwait(false);
                if (mail is null || !mail.IsPositive)
                {
                    outcome = mail is null ? ProbeOutcome.Transient : OutcomeOf(mail);
                }
                else
                {
                    SmtpReply? rcpt = await ReplyStepAsync(ProbeStepKind.Rcpt, $"RCPT TO:<{recipient}>").ConfigureAwait(false);
                    outcome = rcpt is null ? ProbeOutcome.Transient : OutcomeOf(rcpt);
                }
            }

            return await EndAsync(outcome).ConfigureAwait(false);
        }

        /// <summary>
        /// RFC 5321 §4.1.1.10: ends the session politely, unless the last step broke the connection or the
        /// server closed it (421). What QUIT gets does not change the outcome.
        /// </summary>
        private async Task<ProbeOutcome> EndAsync(ProbeOutcome outcome)
        {
            if (_connection is { Closed: false } && Steps[^1].Error is null && !Steps[^1].TimedOut && Steps[^1].Reply?.Code.Value != 421)
            {
                await ReplyStepAsync(ProbeStepKind.Quit, "QUIT").ConfigureAwait(false);
            }

            return outcome;
        }

        /// <summary>EHLO, and HELO when the server does not know EHLO (RFC 5321 §4.1.4, §3.2).</summary>
        private async Task<SmtpReply?> HelloAsync()
        {
            string name = HeloName();
            SmtpReply? ehlo = await ReplyStepAsync(ProbeStepKind.Ehlo, "EHLO " + name).ConfigureAwait(false);
            if (ehlo is { Class: ReplyClass.PermanentNegative } && ehlo.Code.Value is 500 or 502)
            {
                Extensions = [];
                return await ReplyStepAsync(ProbeStepKind.Helo, "HELO " + name).ConfigureAwait(false);
            }

            Extensions = ehlo is { IsPositive: true } ? [.. ehlo.Lines.Skip(1)] : [];
            return ehlo;
        }

        /// <summary>
        /// The configured host name when it is fully qualified; else, as RFC 5321 §4.1.4 asks of a client
        /// without a meaningful name, the address literal of this end of the connection (servers that
        /// check EHLO often refuse a bare "localhost" or machine name).
        /// </summary>
        private string HeloName()
        {
            if (Settings.HeloName.Contains('.', StringComparison.Ordinal))
            {
                return Settings.HeloName;
            }

            IPAddress local = _connection!.LocalEndPoint.Address;
            if (local.IsIPv4MappedToIPv6)
            {
                local = local.MapToIPv4();
            }

            return local.AddressFamily == AddressFamily.InterNetworkV6 ? $"[IPv6:{local}]" : $"[{local}]";
        }

        /// <summary>Sends <paramref name="command"/> (or, when null, only reads) and records the reply; null when none came.</summary>
        private async Task<SmtpReply?> ReplyStepAsync(ProbeStepKind kind, string? command)
        {
            if (command is not null)
            {
                progress?.Report(new ProbeActivity("probe.progress.command", $"{hostName}: {command}"));
            }

            SmtpReply? reply = null;
            await StepAsync(kind, command, async t =>
            {
                reply = command is null
                    ? await _connection!.ReadReplyAsync(t).ConfigureAwait(false)
                    : await _connection!.CommandAsync(command, t).ConfigureAwait(false);
                return reply;
            }).ConfigureAwait(false);
            return reply;
        }

        /// <summary>Runs one step under its own deadline and records it; true when it got where it wanted.</summary>
        private async Task<bool> StepAsync(ProbeStepKind kind, string? command, Func<CancellationToken, Task<object?>> action)
        {
            TimeProvider time = probe._time;
            long start = time.GetTimestamp();
            using var timeout = new CancellationTokenSource(Settings.StepTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            ProbeStep step;
            try
            {
                object? result = await action(linked.Token).ConfigureAwait(false);
                step = new ProbeStep(kind, command, time.GetElapsedTime(start), Reply: result as SmtpReply, Tls: result as TlsDetails);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                step = new ProbeStep(kind, command, time.GetElapsedTime(start), TimedOut: true);
            }
            catch (Exception e) when (e is IOException or SocketException or FormatException or AuthenticationException or ObjectDisposedException)
            {
                step = new ProbeStep(kind, command, time.GetElapsedTime(start), Error: Describe(e));
            }

            Steps.Add(step);
            return step.Succeeded;
        }

        private static string Describe(Exception e) =>
            e.InnerException is { } inner && e is AuthenticationException or IOException ? $"{e.Message} ({inner.Message})" : e.Message;
    }

    /// <summary><c>192.0.2.1:25</c> or <c>[2001:db8::1]:25</c>.</summary>
    public static string Format(IPEndPoint endpoint) => endpoint.ToString();
}
