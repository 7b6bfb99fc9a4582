// A destination host's record as the fields of its Redis hash; times in Unix milliseconds, empty for none.
using Herald.Delivery.Outbound.Destinations;
using StackExchange.Redis;

namespace Herald.Cluster;

/// <summary>Fields <c>host limit pushbacks suspended reply at</c>.</summary>
internal sealed class DestinationRecordHash : IHashCodec<DestinationRecord>
{
    public static readonly DestinationRecordHash Instance = new();

    public DestinationRecord Read(HashEntry[] fields) => new(
        OptimisticHash.Field(fields, "host") is { IsNullOrEmpty: false } host ? host.ToString() : throw new InvalidDataException("The field 'host' is missing."),
        (int)OptimisticHash.Number(fields, "limit"),
        (int)OptimisticHash.Number(fields, "pushbacks"),
        Time(OptimisticHash.OptionalNumber(fields, "suspended")),
        OptimisticHash.Field(fields, "reply") is { IsNullOrEmpty: false } reply ? reply.ToString() : null,
        Time(OptimisticHash.OptionalNumber(fields, "at")));

    public HashEntry[] Write(DestinationRecord value) =>
    [
        new("host", value.Host),
        new("limit", value.ConcurrencyLimit),
        new("pushbacks", value.ConsecutivePushBacks),
        new("suspended", OptimisticHash.Optional(value.SuspendedUntil?.ToUnixTimeMilliseconds())),
        new("reply", value.LastReply ?? string.Empty),
        new("at", OptimisticHash.Optional(value.LastEventAt?.ToUnixTimeMilliseconds())),
    ];

    private static DateTimeOffset? Time(long? milliseconds) => milliseconds is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
