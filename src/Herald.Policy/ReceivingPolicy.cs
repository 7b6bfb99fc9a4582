// Builds the receiving policy from configuration: the one place that decides which checks run in which order.
using System.Net;
using Herald.Dns;
using Herald.Policy.Checks;
using Herald.Policy.Greylisting;
using Herald.Policy.Rates;
using Herald.Policy.Resources;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;
using Microsoft.Extensions.Logging;

namespace Herald.Policy;

/// <summary>A check made when a connection arrives, before the greeting: null to admit, else the reply to close with.</summary>
public sealed record ConnectCheck(string Name, Func<IPAddress, CancellationToken, ValueTask<SmtpReply?>> CheckAsync);

/// <summary>
/// Everything the server asks of policy. Sender checks: resources, message rate, null-MX sender.
/// Recipient checks: recipient rate (first, so refused recipients count too), null-MX recipient
/// (before relay, which permits relaying clients outright), relay, local users, greylisting (last, so an
/// unknown user is refused at once rather than greylisted first).
/// </summary>
public sealed class ReceivingPolicy : IDisposable
{
    private readonly SqliteGreylistStore? _ownedGreylist;

    private ReceivingPolicy(
        RestrictionList restrictions,
        LocalDomains localDomains,
        NetworkList trustedNetworks,
        IReadOnlyList<ConnectCheck> connectChecks,
        AuthFailureLimiter authFailures,
        IGreylistStore greylist,
        SqliteGreylistStore? ownedGreylist)
    {
        Restrictions = restrictions;
        LocalDomains = localDomains;
        TrustedNetworks = trustedNetworks;
        ConnectChecks = connectChecks;
        AuthFailures = authFailures;
        Greylist = greylist;
        _ownedGreylist = ownedGreylist;
    }

    public RestrictionList Restrictions { get; }

    public LocalDomains LocalDomains { get; }

    public NetworkList TrustedNetworks { get; }

    /// <summary>Resource pressure, then connection rate: both answered with one 421 and a close.</summary>
    public IReadOnlyList<ConnectCheck> ConnectChecks { get; }

    public AuthFailureLimiter AuthFailures { get; }

    public IGreylistStore Greylist { get; }

    /// <param name="dataDirectory">Where the embedded greylist store and the disk probe look.</param>
    /// <param name="probe">Disk and memory readings; the real system unless a test supplies its own.</param>
    /// <param name="greylist">The greylist store; an embedded SQLite store in <paramref name="dataDirectory"/> unless given (cluster mode gives a Redis one).</param>
    /// <param name="counter">The rate counters; in memory unless given (cluster mode shares them in Redis).</param>
    /// <param name="metrics">The instruments of the checks that count their own decisions (greylisting).</param>
    public static ReceivingPolicy Create(
        PolicyOptions options,
        string hostname,
        string dataDirectory,
        IMxResolver resolver,
        TimeProvider time,
        ILoggerFactory loggers,
        IResourceProbe? probe = null,
        IGreylistStore? greylist = null,
        IRateCounter? counter = null,
        PolicyMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var localDomains = new LocalDomains(options.LocalDomains);
        NetworkList trusted = NetworkList.Parse(options.TrustedNetworks);
        counter ??= new InMemoryRateCounter(time, options.RateLimits.MaxTrackedClients);
        SqliteGreylistStore? owned = null;
        if (greylist is null)
        {
            owned = new SqliteGreylistStore(dataDirectory, time);
            greylist = owned;
        }

        var monitor = new ResourceMonitor(options.Limits, probe ?? new SystemResourceProbe(dataDirectory), time, hostname);
        var connectionRate = new ConnectionRateLimiter(options.RateLimits, trusted, counter, hostname);
        ConnectCheck[] connectChecks =
        [
            new("resources", (_, _) => ValueTask.FromResult(monitor.CheckAtConnect())),
            new(ConnectionRateLimiter.Name, connectionRate.CheckAsync),
        ];

        ISenderCheck[] senderChecks =
        [
            new ResourceCheck(monitor),
            new MessageRateCheck(options.RateLimits, counter),
            new NullMxSenderCheck(options.Checks, resolver, localDomains),
        ];
        IRecipientCheck[] recipientChecks =
        [
            new RecipientRateCheck(options.RateLimits, counter),
            new NullMxRecipientCheck(resolver, localDomains, options.Delivery.UsesSmartHost),
            new RelayCheck(localDomains),
            new LocalUserCheck(localDomains, options.Users),
            new GreylistCheck(options.Greylisting, greylist, time, loggers.CreateLogger<GreylistCheck>(), metrics),
        ];

        return new ReceivingPolicy(
            new RestrictionList(senderChecks, recipientChecks),
            localDomains,
            trusted,
            connectChecks,
            new AuthFailureLimiter(options.RateLimits, trusted, counter, hostname),
            greylist,
            owned);
    }

    public void Dispose() => _ownedGreylist?.Dispose();
}
