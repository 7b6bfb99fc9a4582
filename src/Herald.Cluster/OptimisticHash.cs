// Read-modify-write of one Redis hash with optimistic concurrency: a pure update, retried when someone wrote first.
using StackExchange.Redis;

namespace Herald.Cluster;

/// <summary>How a value is written into the fields of a hash and read back.</summary>
internal interface IHashCodec<T>
    where T : class
{
    /// <summary>The value in <paramref name="fields"/>; <see cref="InvalidDataException"/> when they are not one.</summary>
    T Read(HashEntry[] fields);

    HashEntry[] Write(T value);
}

/// <summary>
/// The stores' atomic update. The hash carries a version field; the write is a MULTI/EXEC that goes through
/// only if the version is still the one read (or the key still absent), as WATCH would, but without holding a
/// connection of its own (StackExchange.Redis shares one socket, so it has no WATCH). When another writer came
/// first, the update function runs again on what that writer stored: it must therefore be pure. Someone
/// always wins a round, so retries end; the cap only bounds a pathological pile-up.
/// </summary>
internal static class OptimisticHash
{
    public const string VersionField = "version";

    private const int MaxAttempts = 100;

    /// <param name="lifetime">The key's time to live after this write.</param>
    /// <param name="alongside">More commands for the same transaction (an index entry), given the new value.</param>
    /// <returns>The value stored, and the version it was stored under (versions of a key only grow while it lives).</returns>
    /// <exception cref="RedisException">Redis failed, or the key kept changing under us <see cref="MaxAttempts"/> times.</exception>
    public static async Task<(T Value, long Version)> UpdateAsync<T>(
        IDatabase database,
        RedisKey key,
        IHashCodec<T> codec,
        Func<T?, T> update,
        Func<T, TimeSpan> lifetime,
        Action<ITransaction, T>? alongside,
        CancellationToken cancellationToken)
        where T : class
    {
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            HashEntry[] stored = await database.HashGetAllAsync(key).WaitAsync(cancellationToken).ConfigureAwait(false);
            RedisValue version = stored.FirstOrDefault(f => f.Name == VersionField).Value;
            T? current = stored.Length == 0 ? null : codec.Read(stored);
            T next = update(current);

            ITransaction transaction = database.CreateTransaction();
            transaction.AddCondition(
                stored.Length == 0 ? Condition.KeyNotExists(key)
                : version.IsNull ? Condition.HashNotExists(key, VersionField)
                : Condition.HashEqual(key, VersionField, version));
            // A new key's versions start from the wall clock, so a key that expired and came back later
            // never goes back to a version a reader has already seen.
            long nextVersion = stored.Length == 0 || version.IsNull ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : (long)version + 1;
            _ = transaction.HashSetAsync(key, [.. codec.Write(next), new HashEntry(VersionField, nextVersion)]);
            _ = transaction.KeyExpireAsync(key, lifetime(next));
            alongside?.Invoke(transaction, next);
            if (await transaction.ExecuteAsync().WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                return (next, nextVersion);
            }
        }

        throw new RedisException($"{key} changed under every one of {MaxAttempts} attempts to update it.");
    }

    /// <summary>The version of a hash as read, 0 when it has none.</summary>
    public static long VersionOf(HashEntry[] fields) => Field(fields, VersionField).TryParse(out long version) ? version : 0;

    /// <summary>The named field of <paramref name="fields"/>, or <see cref="RedisValue.Null"/>.</summary>
    public static RedisValue Field(HashEntry[] fields, string name) => fields.FirstOrDefault(f => f.Name == name).Value;

    /// <summary>A required whole-number field; <see cref="InvalidDataException"/> when it is missing or not a number.</summary>
    public static long Number(HashEntry[] fields, string name) =>
        Field(fields, name).TryParse(out long value) ? value : throw new InvalidDataException($"The field '{name}' is missing or not a number.");

    /// <summary>A field written empty for "none".</summary>
    public static RedisValue Optional(long? value) => value is { } v ? v : RedisValue.EmptyString;

    public static long? OptionalNumber(HashEntry[] fields, string name) =>
        Field(fields, name) is { IsNullOrEmpty: false } value ? (value.TryParse(out long n) ? n : throw new InvalidDataException($"The field '{name}' is not a number.")) : null;
}
