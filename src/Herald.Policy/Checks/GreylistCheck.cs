// Greylisting at RCPT: a new (client network, sender, recipient) is told to come back in a few minutes.
using Herald.Policy.Greylisting;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;
using Microsoft.Extensions.Logging;

namespace Herald.Policy.Checks;

/// <summary>
/// <c>451 4.7.1 &lt;rcpt&gt;: Recipient address rejected: Greylisted, try again in N seconds</c> for a
/// triplet seen for the first time or retried before <c>Greylisting:Delay</c>; the session stays
/// (reply contract). A retry after the delay passes with "don't know", so that checks after this one
/// still run. See <see cref="GreylistRules"/> for the whole state machine.
/// </summary>
/// <remarks>
/// Skipped (don't know) when greylisting is off, and for trusted and authenticated clients (their mail
/// is ours), allow-listed client networks and allow-listed sender domains. Run it last among the
/// recipient checks: a recipient that will be refused anyway (relay, unknown user) should hear so at
/// once rather than be greylisted first, and every greylisted attempt costs a write. If the store
/// fails, the mail passes and a warning is logged: greylisting filters spam, it must not stop mail.
/// </remarks>
public sealed class GreylistCheck : IRecipientCheck
{
    private readonly bool _enabled;
    private readonly GreylistRules _rules;
    private readonly NetworkList _allowNetworks;
    private readonly string[] _allowSenderDomains;
    private readonly IGreylistStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PolicyMetrics _metrics;

    public GreylistCheck(GreylistOptions options, IGreylistStore store, TimeProvider time, ILogger<GreylistCheck> logger, PolicyMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _enabled = options.Enabled;
        _rules = GreylistRules.From(options);
        _allowNetworks = NetworkList.Parse(options.AllowNetworks);
        _allowSenderDomains = [.. options.AllowSenderDomains.Select(LocalDomains.Normalize)];
        _store = store;
        _time = time;
        _logger = logger;
        _metrics = metrics ?? PolicyMetrics.Unexported;
    }

    public string Name => "greylist";

    public async ValueTask<PolicyDecision> CheckAsync(ClientContext client, Mailbox? sender, Mailbox recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(recipient);
        if (!_enabled)
        {
            return PolicyDecision.DontKnow;
        }

        if (client.IsTrusted || client.IsAuthenticated || _allowNetworks.Contains(client.Address) || IsAllowedSender(sender))
        {
            _metrics.Greylist(GreylistDecision.Exempt);
            return PolicyDecision.DontKnow;
        }

        var triplet = GreylistTriplet.For(client.Address, sender, recipient);
        DateTimeOffset now = _time.GetUtcNow();
        GreylistEntry entry;
        try
        {
            entry = await _store.UpdateAsync(triplet, current => _rules.Next(current, triplet, now), cancellationToken).ConfigureAwait(false);
        }
        catch (GreylistStoreException e)
        {
            _logger.LogWarning(e, "Greylisting skipped for {Triplet}: the store failed.", triplet);
            _metrics.Greylist(GreylistDecision.Error);
            return PolicyDecision.DontKnow;
        }

        if (entry.Passed)
        {
            _metrics.Greylist(GreylistDecision.Passed);
            return PolicyDecision.DontKnow;
        }

        // The rules start a new round at this attempt for a new (or expired) triplet; an older round is a retry too soon.
        _metrics.Greylist(entry.FirstSeen == now ? GreylistDecision.Greylisted : GreylistDecision.TooEarly);

        return PolicyDecision.Reject(SmtpReplies.Greylisted.Render($"<{recipient}>", _rules.SecondsLeft(entry, now)), Name);
    }

    private bool IsAllowedSender(Mailbox? sender)
    {
        if (sender is null || _allowSenderDomains.Length == 0 || sender.IsAddressLiteral)
        {
            return false;
        }

        string domain = LocalDomains.Normalize(sender.Domain);
        foreach (string allowed in _allowSenderDomains)
        {
            // The domain itself or any subdomain: "example.com" covers "mail.example.com".
            if (domain.Length == allowed.Length
                ? domain.Equals(allowed, StringComparison.Ordinal)
                : domain.Length > allowed.Length && domain[^(allowed.Length + 1)] == '.' && domain.EndsWith(allowed, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
