// The seam for greylisting state: an embedded SQLite file, or Redis shared by a cluster.
namespace Herald.Policy.Greylisting;

/// <summary>
/// Where greylisting triplets are kept: <see cref="SqliteGreylistStore"/> in the data directory, or in
/// cluster mode (<c>Cluster:Redis</c>) Herald.Cluster's <c>RedisGreylistStore</c>, so that a triplet
/// greylisted by one instance passes through another after the delay. The rules (delay, retry window,
/// expiry) live in <see cref="GreylistRules"/>; a store only keeps entries and makes each update atomic,
/// so that two sessions retrying the same triplet at once cannot lose a pass. Failures surface as
/// <see cref="GreylistStoreException"/>; cancellation as <see cref="OperationCanceledException"/>.
/// </summary>
public interface IGreylistStore
{
    /// <summary>
    /// Reads the entry of <paramref name="triplet"/> (null when there is none), stores what
    /// <paramref name="update"/> makes of it, and returns that, as one atomic step.
    /// <paramref name="update"/> must be pure: a store with optimistic concurrency may call it again.
    /// </summary>
    ValueTask<GreylistEntry> UpdateAsync(GreylistTriplet triplet, Func<GreylistEntry?, GreylistEntry> update, CancellationToken cancellationToken);

    /// <summary>Every entry, expired ones included until they are purged, the most recently seen first.</summary>
    ValueTask<IReadOnlyList<GreylistEntry>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// For operators (<c>herald greylist allow</c>): marks <paramref name="triplet"/> as passed for
    /// <paramref name="lifetime"/> from now, so a message held back by greylisting goes through on its
    /// next try. Standing exceptions for whole networks or sender domains belong in
    /// <c>Greylisting:AllowNetworks</c> and <c>Greylisting:AllowSenderDomains</c>, where they are
    /// reviewed with the rest of the configuration.
    /// </summary>
    ValueTask AllowAsync(GreylistTriplet triplet, TimeSpan lifetime, CancellationToken cancellationToken);

    /// <summary>Removes the expired entries, or every entry when <paramref name="all"/>; returns how many went.</summary>
    ValueTask<int> PurgeAsync(bool all, CancellationToken cancellationToken);
}
