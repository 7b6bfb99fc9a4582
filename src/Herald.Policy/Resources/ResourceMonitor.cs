// Watches free disk and memory, read at most once a second, for the connection gate and the MAIL check.
using Herald.Protocol.Replies;

namespace Herald.Policy.Resources;

/// <summary>
/// Caches what the <see cref="IResourceProbe"/> reports and reads it again when a second has passed
/// on the <see cref="TimeProvider"/>: a statvfs per connection is cheap, but a flood of connections
/// should not become a flood of system calls. Thread-safe; two threads refreshing at once both read
/// the probe and the later one wins, which is harmless.
/// </summary>
public sealed class ResourceMonitor
{
    /// <summary>How long one reading is used.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private readonly long _minFreeDisk;
    private readonly long _criticalFreeDisk;
    private readonly long _maxMemory;
    private readonly IResourceProbe _probe;
    private readonly TimeProvider _time;
    private readonly SmtpReply _insufficientResources;
    private readonly long _refreshTicks;
    private volatile Reading? _reading;

    /// <param name="hostname">The server's name, first in the <c>421</c> reply.</param>
    public ResourceMonitor(ResourceLimitOptions options, IResourceProbe probe, TimeProvider time, string hostname)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        _minFreeDisk = options.MinFreeDiskBytes;
        _criticalFreeDisk = options.CriticalFreeDiskBytes;
        _maxMemory = options.MaxMemoryBytes;
        _probe = probe;
        _time = time;
        _refreshTicks = (long)((Int128)RefreshInterval.Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond);

        // Rendered once: refusing connections under pressure must not itself allocate per connection.
        _insufficientResources = SmtpReplies.InsufficientResources.Render(hostname);
    }

    /// <summary>Under <c>Limits:MinFreeDiskBytes</c>: MAIL is refused with <c>452 4.3.1</c>.</summary>
    public bool IsDiskLow => _minFreeDisk > 0 && Current.FreeDisk is { } free && free < _minFreeDisk;

    /// <summary>
    /// Under <c>Limits:CriticalFreeDiskBytes</c> or over <c>Limits:MaxMemoryBytes</c>: connections are
    /// refused with <c>421 4.3.1</c>.
    /// </summary>
    public bool IsCritical
    {
        get
        {
            Reading reading = Current;
            return (_criticalFreeDisk > 0 && reading.FreeDisk is { } free && free < _criticalFreeDisk)
                || (_maxMemory > 0 && reading.Memory > _maxMemory);
        }
    }

    /// <summary>
    /// For the connection gate: null to admit, or <c>421 4.3.1 &lt;host&gt; Insufficient system resources,
    /// try again later</c> (reply contract, opening the session). A disk that cannot be read counts as
    /// fine: refusing all mail because statvfs failed would be worse than the risk it guards against.
    /// </summary>
    public SmtpReply? CheckAtConnect() => IsCritical ? _insufficientResources : null;

    private Reading Current
    {
        get
        {
            long now = _time.GetTimestamp();
            Reading? reading = _reading;
            if (reading is null || now - reading.Taken >= _refreshTicks)
            {
                reading = new Reading(now, _probe.FreeDiskBytes(), _probe.MemoryBytes());
                _reading = reading;
            }

            return reading;
        }
    }

    private sealed record Reading(long Taken, long? FreeDisk, long Memory);
}
