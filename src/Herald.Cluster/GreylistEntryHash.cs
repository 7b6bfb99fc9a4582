// A greylist entry as the fields of its Redis hash: the triplet itself, and times in Unix milliseconds.
using Herald.Policy.Greylisting;
using StackExchange.Redis;

namespace Herald.Cluster;

/// <summary>Fields <c>network sender recipient first last passed expires</c>, the columns of the SQLite store.</summary>
internal sealed class GreylistEntryHash : IHashCodec<GreylistEntry>
{
    public static readonly GreylistEntryHash Instance = new();

    public GreylistEntry Read(HashEntry[] fields) => new(
        new GreylistTriplet(Text(fields, "network"), Text(fields, "sender"), Text(fields, "recipient")),
        Time(fields, "first"),
        Time(fields, "last"),
        OptimisticHash.Number(fields, "passed") != 0,
        Time(fields, "expires"));

    public HashEntry[] Write(GreylistEntry value) =>
    [
        new("network", value.Triplet.ClientNetwork),
        new("sender", value.Triplet.Sender),
        new("recipient", value.Triplet.Recipient),
        new("first", value.FirstSeen.ToUnixTimeMilliseconds()),
        new("last", value.LastSeen.ToUnixTimeMilliseconds()),
        new("passed", value.Passed ? 1 : 0),
        new("expires", value.Expires.ToUnixTimeMilliseconds()),
    ];

    private static string Text(HashEntry[] fields, string name) =>
        OptimisticHash.Field(fields, name) is { IsNull: false } value ? value.ToString() : throw new InvalidDataException($"The field '{name}' is missing.");

    private static DateTimeOffset Time(HashEntry[] fields, string name) => DateTimeOffset.FromUnixTimeMilliseconds(OptimisticHash.Number(fields, name));
}
