// What the greylist store holds for one triplet.
namespace Herald.Policy.Greylisting;

/// <summary>One remembered triplet.</summary>
/// <param name="FirstSeen">The first attempt of the current round; a triplet that starts over gets a new one.</param>
/// <param name="LastSeen">The latest attempt, refused or passed.</param>
/// <param name="Passed">A retry came after the delay: mail for this triplet is no longer delayed.</param>
/// <param name="Expires">
/// When the entry stops counting and may be purged: the end of the retry window while not passed,
/// <c>Expiry</c> after the latest pass once passed.
/// </param>
public sealed record GreylistEntry(GreylistTriplet Triplet, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, bool Passed, DateTimeOffset Expires)
{
    public bool IsExpired(DateTimeOffset now) => now > Expires;
}
