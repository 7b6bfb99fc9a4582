// When a deferred recipient is tried again: doubling back-off with jitter, never past the queue lifetime.
namespace Herald.Delivery.Outbound;

/// <summary>
/// The retry schedule of the reply contract: <c>Delivery:MinBackoff</c> after the first attempt, doubling
/// with each further attempt up to <c>Delivery:MaxBackoff</c>, each wait spread by ±10% so that messages
/// deferred together by one outage do not all come back in the same second. RFC 5321 §4.5.4.1 asks for
/// at least 30 minutes between retries to one destination in general; the shorter first steps follow
/// Postfix (minimal_backoff_time 300 s), since most deferrals (greylisting) clear within minutes.
/// </summary>
internal sealed class RetrySchedule
{
    /// <summary>The spread of each wait, either way.</summary>
    public const double Jitter = 0.10;

    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly TimeSpan _lifetime;
    private readonly Random _random;
    private readonly Lock _gate = new();

    public RetrySchedule(DeliveryOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        _min = options.MinBackoff;
        _max = options.MaxBackoff;
        _lifetime = options.MaxQueueLifetime;
        _random = random;
    }

    /// <summary>The wait after <paramref name="attempts"/> attempts (1 for the first), before jitter.</summary>
    public TimeSpan BaseDelay(int attempts)
    {
        int doublings = Math.Clamp(attempts - 1, 0, 40);
        double ticks = _min.Ticks * Math.Pow(2, doublings);
        return ticks >= _max.Ticks ? _max : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>
    /// A jitter factor between 0.9 and 1.1, drawn once per pass over a message so that its recipients
    /// deferred together stay together and are retried in one transaction.
    /// </summary>
    public double NextJitter()
    {
        lock (_gate)
        {
            return 1 + (((_random.NextDouble() * 2) - 1) * Jitter);
        }
    }

    /// <summary>
    /// The next attempt after an attempt that ended at <paramref name="now"/>, for a message that arrived at
    /// <paramref name="arrived"/>, spread by <paramref name="jitter"/> (from <see cref="NextJitter"/>). It never
    /// falls after the end of the queue lifetime, so a last attempt is made when the lifetime runs out, and
    /// the bounce is sent then rather than at the next step.
    /// </summary>
    public DateTimeOffset Next(int attempts, DateTimeOffset now, DateTimeOffset arrived, double jitter)
    {
        DateTimeOffset next = now + TimeSpan.FromTicks((long)(BaseDelay(attempts).Ticks * jitter));
        DateTimeOffset expiry = Expiry(arrived);
        return next > expiry ? (expiry > now ? expiry : now) : next;
    }

    /// <summary>When a message that arrived at <paramref name="arrived"/> has been queued too long (RFC 5321 §4.5.4.1).</summary>
    public DateTimeOffset Expiry(DateTimeOffset arrived) => arrived + _lifetime;
}
