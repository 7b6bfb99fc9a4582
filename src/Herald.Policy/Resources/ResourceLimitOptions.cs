// Free-disk floors and the memory ceiling, bound from `Herald:Limits` beside the server's own limits.
namespace Herald.Policy.Resources;

/// <summary>
/// The resource limits of <c>Limits</c> that the policy enforces (the section also holds the server's
/// size and time limits). 0 turns a limit off.
/// </summary>
public sealed class ResourceLimitOptions
{
    /// <summary>
    /// <c>Limits:MinFreeDiskBytes</c>: under this much free space in the data directory's file system,
    /// MAIL gets <c>452 4.3.1</c> and senders retry later (RFC 5321 §4.2.2: 452 insufficient system
    /// storage; RFC 3463 §3.4: 4.3.1 mail system full).
    /// Default 128 MiB: Postfix wants at least 1.5 times the largest message free before accepting
    /// one (queue_minfree), and the default largest message is 25 MiB; the rest is room for the
    /// messages already being received.
    /// </summary>
    public long MinFreeDiskBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>
    /// <c>Limits:CriticalFreeDiskBytes</c>: under this much, new connections get <c>421 4.3.1</c> and are
    /// closed, so that what space is left goes to the queue files already written and their journals.
    /// Default 32 MiB.
    /// </summary>
    public long CriticalFreeDiskBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// <c>Limits:MaxMemoryBytes</c>: above this much managed heap, new connections get <c>421 4.3.1</c>.
    /// Default 0 (off): the right ceiling depends on the machine or container.
    /// </summary>
    public long MaxMemoryBytes { get; set; }

    /// <summary>Checks the values and names the key of each one that is wrong.</summary>
    public IEnumerable<string> Validate()
    {
        if (MinFreeDiskBytes < 0)
        {
            yield return $"Herald:Limits:MinFreeDiskBytes: {MinFreeDiskBytes} must not be negative (0 turns it off).";
        }

        if (CriticalFreeDiskBytes < 0)
        {
            yield return $"Herald:Limits:CriticalFreeDiskBytes: {CriticalFreeDiskBytes} must not be negative (0 turns it off).";
        }

        if (MinFreeDiskBytes > 0 && CriticalFreeDiskBytes > MinFreeDiskBytes)
        {
            yield return $"Herald:Limits:CriticalFreeDiskBytes: {CriticalFreeDiskBytes} is above Limits:MinFreeDiskBytes ({MinFreeDiskBytes}); the critical floor is the lower one.";
        }

        if (MaxMemoryBytes < 0)
        {
            yield return $"Herald:Limits:MaxMemoryBytes: {MaxMemoryBytes} must not be negative (0 turns it off).";
        }
    }
}
