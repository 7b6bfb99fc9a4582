// Delivers one message to the recipients of one domain: route, then MX hosts in order, then the transaction.
using System.Net;
using Herald.Delivery.Outbound.Destinations;
using Herald.Delivery.Outbound.Routing;
using Herald.Delivery.Outbound.Smtp;
using Herald.Dns;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Protocol.Replies;
using Herald.Queue;
using Microsoft.Extensions.Logging;

namespace Herald.Delivery.Outbound;

/// <summary>One recipient of a message, with its index in the envelope.</summary>
internal readonly record struct IndexedRecipient(int Index, Mailbox Mailbox);

/// <summary>
/// One delivery round for the recipients of one message in one domain, by section 2 of the reply
/// contract. Hosts are tried in MX order; the first host that completes a session decides every
/// recipient with its replies. A host that refuses the connection, greets with 421 or 521, cannot take the
/// message's size or SMTPUTF8, or lacks required TLS is passed over for the next one; when none is left
/// the round ends Deferred if any host failed transiently (4.4.1 when none could be reached), or Failed
/// when every host gave a permanent refusal (5.3.2 when every one of them refused all mail). A host that
/// is suspended is skipped; when every host is, the recipients wait without an attempt.
/// </summary>
internal sealed class DomainDelivery
{
    /// <summary>Addresses tried in one round at most, over all MX hosts; Postfix's smtp_mx_address_limit.</summary>
    internal const int MaxAddressesPerRound = 5;

    /// <summary>RCPTs in one transaction: RFC 5321 §4.5.3.1.8 has every server accept at least 100.</summary>
    internal const int MaxRecipientsPerTransaction = 100;

    private readonly MxRouter _router;
    private readonly IMxResolver _resolver;
    private readonly IDestinationState _destinations;
    private readonly SmtpConnectionPool _pool;
    private readonly SessionSettings _settings;
    private readonly IQueueStore _queue;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public DomainDelivery(
        MxRouter router,
        IMxResolver resolver,
        IDestinationState destinations,
        SmtpConnectionPool pool,
        SessionSettings settings,
        IQueueStore queue,
        TimeProvider time,
        ILogger logger)
    {
        _router = router;
        _resolver = resolver;
        _destinations = destinations;
        _pool = pool;
        _settings = settings;
        _queue = queue;
        _time = time;
        _logger = logger;
    }

    public async Task<IReadOnlyList<RecipientResult>> DeliverAsync(
        QueuedMessage message, string domain, IReadOnlyList<IndexedRecipient> recipients, CancellationToken cancellationToken)
    {
        Route route = await _router.RouteAsync(domain, cancellationToken);
        if (route is Route.Decided decided)
        {
            return [.. recipients.Select(r =>
            {
                SmtpReply reply = decided.Template.Render(r.Mailbox, domain, decided.Detail);
                return new RecipientResult(r.Index, decided.Kind, reply, IsRemote: false, RecipientResult.StatusOf(reply), Host: null, RemoteMta: null);
            })];
        }

        var failures = new List<HostFailure>();
        DateTimeOffset? waitUntil = null;
        int tried = 0;
        foreach (RouteHost host in ((Route.ToHosts)route).Hosts)
        {
            if (tried >= MaxAddressesPerRound)
            {
                break;
            }

            IReadOnlyList<IPAddress>? addresses = await AddressesAsync(host, domain, failures, cancellationToken);
            if (addresses is null)
            {
                continue;
            }

            using DestinationLease lease = await _destinations.AcquireAsync(host.Name, cancellationToken);
            if (!lease.IsAcquired)
            {
                // RFC 5321 §4.5.4.1 asks senders not to hammer a host that is pushing back: wait it out.
                waitUntil = Earliest(waitUntil, lease.SuspendedUntil);
                continue;
            }

            HostFailure? pushedBack = null;
            foreach (IPAddress address in addresses)
            {
                if (tried >= MaxAddressesPerRound)
                {
                    break;
                }

                tried++;
                var target = new DeliveryTarget(host.Name, address, host.Port);
                SmtpClientSession? session = await _pool.TakeAsync(target, cancellationToken);
                if (session is null)
                {
                    SessionOpening opening = await SmtpClientSession.OpenAsync(target, _settings, _time, avoidTls: false, cancellationToken);
                    if (opening is SessionOpening.Failed { RetryWithoutTls: true } tlsFailed)
                    {
                        _logger.LogInformation("{Target}: {Reply}; trying again without TLS", target, tlsFailed.Reply);
                        opening = await SmtpClientSession.OpenAsync(target, _settings, _time, avoidTls: true, cancellationToken);
                    }

                    if (opening is SessionOpening.Failed failed)
                    {
                        var failure = new HostFailure(failed.Reply, failed.IsRemote, failed.Stage, target);
                        failures.Add(failure);
                        _logger.LogInformation("{Target}: {Reply}", target, failed.Reply);
                        if (failed.PushBack)
                        {
                            pushedBack = failure;
                        }
                        else
                        {
                            await _destinations.ReportAsync(host.Name, DestinationEvent.Reply, failed.Reply.ToString(), cancellationToken);
                        }

                        // Another address of the same host is worth a try only when this one could not be reached.
                        if (failed.Stage == OpenStage.Connect)
                        {
                            continue;
                        }

                        break;
                    }

                    session = ((SessionOpening.Opened)opening).Session;
                    if (session.TlsProtocol is { } protocol)
                    {
                        _logger.LogDebug("{Target}: STARTTLS done, {Protocol}", target, protocol);
                    }
                }

                if (Unsuitable(message, recipients, session) is SmtpReply unsuitable)
                {
                    failures.Add(new HostFailure(unsuitable, IsRemote: false, OpenStage.Hello, target));
                    _pool.Return(session);
                    pushedBack = null;
                    break;
                }

                return await TransactAsync(session, message, recipients, cancellationToken);
            }

            if (pushedBack is not null)
            {
                await _destinations.ReportAsync(host.Name, DestinationEvent.PushBack, pushedBack.Reply.ToString(), cancellationToken);
            }
        }

        return Conclude(domain, recipients, failures, waitUntil);
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>Every host failed or was skipped: defer, fail or wait, by the contract.</summary>
    private static List<RecipientResult> Conclude(string domain, IReadOnlyList<IndexedRecipient> recipients, List<HostFailure> failures, DateTimeOffset? waitUntil)
    {
        if (failures.Count == 0)
        {
            SmtpReply waiting = OutboundReplies.ConnectFailed.Render(domain, "every MX host is backing off");
            return [.. recipients.Select(r => new RecipientResult(
                r.Index, ResultKind.Waiting, waiting, IsRemote: false, RecipientResult.StatusOf(waiting), null, null)
            { WaitUntil = waitUntil })];
        }

        bool transient = waitUntil is not null || failures.Exists(f => !f.Reply.IsPermanent);
        if (transient)
        {
            // The last word a host said beats a connection error of ours; both are in the record as given.
            HostFailure chosen = failures.LastOrDefault(f => f.IsRemote && !f.Reply.IsPermanent) ?? failures.LastOrDefault(f => !f.Reply.IsPermanent) ?? failures[^1];
            return [.. recipients.Select(r => new RecipientResult(
                r.Index, ResultKind.Deferred, chosen.Reply, chosen.IsRemote, TransientStatus(chosen.Reply), chosen.Target?.Display, chosen.Target?.Host))];
        }

        // Every host said no for good. Reply contract: when each of them refused all mail at the greeting
        // (521, RFC 7504, or 554), the status is 5.3.2 and there are no retries.
        HostFailure first = failures[0];
        bool noneAcceptsMail = failures.TrueForAll(f => f.IsRemote && f.Stage == OpenStage.Greeting);
        return [.. recipients.Select(r => new RecipientResult(
            r.Index,
            ResultKind.Failed,
            first.Reply,
            first.IsRemote,
            noneAcceptsMail ? OutboundReplies.NoHostAcceptsMail.Enhanced!.Value.ToString() : RecipientResult.StatusOf(first.Reply),
            first.Target?.Display,
            first.Target?.Host))];
    }

    /// <summary>A deferral's status is transient even when the reply chosen to explain it was not.</summary>
    private static string TransientStatus(SmtpReply reply) =>
        reply.IsPermanent && reply.Enhanced is { } e ? e.WithClass(4).ToString() : RecipientResult.StatusOf(reply);

    /// <summary>The host's addresses, or null after recording why there are none.</summary>
    private async Task<IReadOnlyList<IPAddress>?> AddressesAsync(RouteHost host, string domain, List<HostFailure> failures, CancellationToken cancellationToken)
    {
        if (host.Address is not null)
        {
            return [host.Address];
        }

        AddressResolution resolution = await _resolver.ResolveAddressesAsync(host.Name, cancellationToken);
        switch (resolution)
        {
            case AddressResolution.Found found when found.Addresses.Count > 0:
                return found.Addresses;
            case AddressResolution.TemporaryFailure temporary:
                failures.Add(new HostFailure(OutboundReplies.DnsTemporaryFailure.Render(domain, "the address of " + host.Name, OutboundReplies.OneLine(temporary.Reason)), IsRemote: false, OpenStage.Connect, Target: null));
                return null;
            default:
                // A smart host that does not resolve is a configuration error, not the recipient's: defer.
                SmtpReply reply = _router.UsesSmartHost
                    ? OutboundReplies.DnsTemporaryFailure.Render(domain, "the smart host " + host.Name, "no address")
                    : OutboundReplies.NoRoute.Render(domain, domain, host.Name + " has no address");
                failures.Add(new HostFailure(reply, IsRemote: false, OpenStage.Connect, Target: null));
                return null;
        }
    }

    /// <summary>RFC 1870 §6 and RFC 6531 §3.2: what this host announced rules the message out.</summary>
    private static SmtpReply? Unsuitable(QueuedMessage message, IReadOnlyList<IndexedRecipient> recipients, SmtpClientSession session)
    {
        if (session.Capabilities.RefusesSize(message.ContentLength))
        {
            return OutboundReplies.MessageTooBig.Render(session.Target.Display, message.ContentLength, session.Capabilities.Size);
        }

        if (NeedsSmtpUtf8(message, recipients) && !session.Capabilities.SmtpUtf8)
        {
            return OutboundReplies.SmtpUtf8NotOffered.Render(session.Target.Display);
        }

        return null;
    }

    private static bool NeedsSmtpUtf8(QueuedMessage message, IReadOnlyList<IndexedRecipient> recipients) =>
        message.Envelope.Parameters.SmtpUtf8
        || message.Envelope.Sender?.RequiresSmtpUtf8 == true
        || recipients.Any(r => r.Mailbox.RequiresSmtpUtf8);

    private async Task<IReadOnlyList<RecipientResult>> TransactAsync(
        SmtpClientSession session, QueuedMessage message, IReadOnlyList<IndexedRecipient> recipients, CancellationToken cancellationToken)
    {
        DeliveryTarget target = session.Target;
        var results = new List<RecipientResult>(recipients.Count);
        RecipientVerdict? closing = null;
        try
        {
            foreach (IndexedRecipient[] chunk in recipients.Chunk(MaxRecipientsPerTransaction))
            {
                if (closing is not null)
                {
                    results.AddRange(chunk.Select(r => ToResult(r, closing, session)));
                    continue;
                }

                var request = new TransactionRequest(
                    message.Envelope.Sender,
                    [.. chunk.Select(r => r.Mailbox)],
                    message.ContentLength,
                    message.Envelope.Parameters.Body == BodyType.EightBitMime,
                    NeedsSmtpUtf8(message, chunk),
                    () => _queue.OpenContent(message.Id))
                {
                    Dsn = message.Envelope.Parameters,
                    RecipientParameters = [.. chunk.Select(r => message.Envelope.ParametersOf(r.Index))],
                };
                TransactionOutcome outcome = await session.SendAsync(request, cancellationToken);
                for (int i = 0; i < chunk.Length; i++)
                {
                    results.Add(ToResult(chunk[i], outcome.Recipients[i], session));
                }

                if (outcome.PushBack)
                {
                    closing = outcome.Recipients.FirstOrDefault(v => v.Reply.Code.Value == 421 || !v.IsRemote) ?? outcome.Recipients[^1];
                    await _destinations.ReportAsync(target.Host, DestinationEvent.PushBack, closing.Reply.ToString(), cancellationToken);
                }
                else
                {
                    bool delivered = outcome.Recipients.Any(v => v.Reply.Code.Class == ReplyClass.PositiveCompletion);
                    await _destinations.ReportAsync(target.Host, delivered ? DestinationEvent.Success : DestinationEvent.Reply, outcome.Recipients[^1].Reply.ToString(), cancellationToken);
                }

                if (!session.IsUsable && closing is null)
                {
                    // The session cannot carry the next group (its RSET failed): defer the rest, as for a lost connection.
                    closing = new RecipientVerdict(OutboundReplies.ConnectionLost.Render(target.Display, "resetting for the next transaction"), IsRemote: false);
                }
            }
        }
        finally
        {
            _pool.Return(session);
        }

        return results;
    }

    private static RecipientResult ToResult(IndexedRecipient recipient, RecipientVerdict verdict, SmtpClientSession session) =>
        new(recipient.Index, RecipientResult.KindOf(verdict.Reply), verdict.Reply, verdict.IsRemote, RecipientResult.StatusOf(verdict.Reply), session.Target.Display, session.Target.Host)
        {
            NextHopReports = session.Capabilities.Dsn,
        };

    /// <summary>Why one host (or one of its addresses) could not take the message.</summary>
    private sealed record HostFailure(SmtpReply Reply, bool IsRemote, OpenStage Stage, DeliveryTarget? Target);
}
