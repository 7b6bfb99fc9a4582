// Greylisting state in an embedded SQLite file (greylist.db), kept across restarts.
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Herald.Policy.Greylisting;

/// <summary>
/// Keeps triplets in <c>greylist.db</c> in the given directory, created with the directory on first
/// use. WAL journal mode lets <c>herald greylist</c> read the file while the server writes it;
/// <c>synchronous=NORMAL</c> skips the fsync of each commit, since losing the last few seconds of
/// greylisting state in a power cut only greylists those senders again. Expired entries are purged
/// on opening and then at most once an hour, as part of an update. Thread-safe: one connection,
/// used under a lock (SQLite writes one at a time anyway).
/// </summary>
public sealed class SqliteGreylistStore : IGreylistStore, IDisposable
{
    /// <summary>The file name of the database inside the store's directory.</summary>
    public const string FileName = "greylist.db";

    private const int SchemaVersion = 1;
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private SqliteConnection? _connection;
    private SqliteCommand? _select;
    private SqliteCommand? _upsert;
    private DateTimeOffset _nextPurge;
    private bool _disposed;

    /// <param name="directory">Where <c>greylist.db</c> lives, typically the data directory.</param>
    public SqliteGreylistStore(string directory, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(time);
        FilePath = Path.Combine(Path.GetFullPath(directory), FileName);
        _time = time;
    }

    /// <summary>The full path of the database file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public ValueTask<GreylistEntry> UpdateAsync(GreylistTriplet triplet, Func<GreylistEntry?, GreylistEntry> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(triplet);
        ArgumentNullException.ThrowIfNull(update);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(Run(() =>
            {
                SqliteConnection connection = Open();
                PurgeIfDue(connection);

                // BEGIN IMMEDIATE: the write lock is taken before the read, so another process (or
                // server) sharing the file cannot slip an update in between.
                using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
                _select!.Transaction = transaction;
                _upsert!.Transaction = transaction;
                GreylistEntry? current = Find(triplet);
                GreylistEntry next = update(current);
                if (next.Triplet != triplet)
                {
                    throw new InvalidOperationException("A greylist update must keep the triplet it was given.");
                }

                Upsert(next);
                transaction.Commit();
                return next;
            }));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<GreylistEntry>> ListAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(Run<IReadOnlyList<GreylistEntry>>(() =>
            {
                using SqliteCommand list = Open().CreateCommand();
                list.CommandText =
                    "SELECT client_network, sender, recipient, first_seen, last_seen, passed, expires FROM triplets ORDER BY last_seen DESC";
                using SqliteDataReader reader = list.ExecuteReader();
                var entries = new List<GreylistEntry>();
                while (reader.Read())
                {
                    entries.Add(Read(reader));
                }

                return entries;
            }));
        }
    }

    /// <inheritdoc />
    public async ValueTask AllowAsync(GreylistTriplet triplet, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(triplet);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        DateTimeOffset now = _time.GetUtcNow();
        await UpdateAsync(triplet, current => GreylistRules.Allowed(current, triplet, now, lifetime), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<int> PurgeAsync(bool all, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            return ValueTask.FromResult(Run(() => all ? DeleteAll(Open()) : DeleteExpired(Open())));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _select?.Dispose();
            _upsert?.Dispose();
            _connection?.Dispose();
        }
    }

    // Every store failure leaves as GreylistStoreException, the one kind the check knows to survive.
    private T Run<T>(Func<T> action)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return action();
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new GreylistStoreException($"Greylist store {FilePath}: {e.Message}", e);
        }
    }

    private SqliteConnection Open()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,

            // One long-lived connection per store; a pool would only keep the file open after Dispose.
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL");
            Execute(connection, "PRAGMA synchronous=NORMAL");

            // Another process (the CLI, a second server on the same data directory) may hold the
            // write lock for a moment: wait for it rather than fail.
            Execute(connection, "PRAGMA busy_timeout=5000");
            CreateSchema(connection);
            _select = connection.CreateCommand();
            _select.CommandText =
                "SELECT client_network, sender, recipient, first_seen, last_seen, passed, expires FROM triplets " +
                "WHERE client_network = $network AND sender = $sender AND recipient = $recipient";
            AddParameters(_select, "$network", "$sender", "$recipient");
            _upsert = connection.CreateCommand();
            _upsert.CommandText =
                "INSERT INTO triplets (client_network, sender, recipient, first_seen, last_seen, passed, expires) " +
                "VALUES ($network, $sender, $recipient, $first, $last, $passed, $expires) " +
                "ON CONFLICT (client_network, sender, recipient) DO UPDATE SET " +
                "first_seen = excluded.first_seen, last_seen = excluded.last_seen, passed = excluded.passed, expires = excluded.expires";
            AddParameters(_upsert, "$network", "$sender", "$recipient", "$first", "$last", "$passed", "$expires");
        }
        catch
        {
            _select?.Dispose();
            _upsert?.Dispose();
            _select = _upsert = null;
            connection.Dispose();
            throw;
        }

        _connection = connection;
        DeleteExpired(connection);
        _nextPurge = _time.GetUtcNow() + PurgeInterval;
        return connection;
    }

    private static void CreateSchema(SqliteConnection connection)
    {
        using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
        using SqliteCommand version = connection.CreateCommand();
        version.Transaction = transaction;
        version.CommandText = "PRAGMA user_version";
        long found = (long)version.ExecuteScalar()!;
        if (found > SchemaVersion)
        {
            throw new GreylistStoreException(
                $"{connection.DataSource}: schema version {found} is newer than this Herald's ({SchemaVersion}); it was written by a newer release.");
        }

        // Times are Unix milliseconds (UTC); the primary key is the triplet, so no rowid is needed.
        using SqliteCommand create = connection.CreateCommand();
        create.Transaction = transaction;
        create.CommandText =
            "CREATE TABLE IF NOT EXISTS triplets (" +
            " client_network TEXT NOT NULL, sender TEXT NOT NULL, recipient TEXT NOT NULL," +
            " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, passed INTEGER NOT NULL, expires INTEGER NOT NULL," +
            " PRIMARY KEY (client_network, sender, recipient)) WITHOUT ROWID;" +
            "CREATE INDEX IF NOT EXISTS triplets_expires ON triplets (expires);" +
            string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {SchemaVersion};");
        create.ExecuteNonQuery();
        transaction.Commit();
    }

    private void PurgeIfDue(SqliteConnection connection)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (now >= _nextPurge)
        {
            DeleteExpired(connection);
            _nextPurge = now + PurgeInterval;
        }
    }

    private int DeleteExpired(SqliteConnection connection)
    {
        using SqliteCommand delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM triplets WHERE expires < $now";
        delete.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        return delete.ExecuteNonQuery();
    }

    private static int DeleteAll(SqliteConnection connection)
    {
        using SqliteCommand delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM triplets";
        return delete.ExecuteNonQuery();
    }

    private GreylistEntry? Find(GreylistTriplet triplet)
    {
        SqliteCommand select = _select!;
        select.Parameters["$network"].Value = triplet.ClientNetwork;
        select.Parameters["$sender"].Value = triplet.Sender;
        select.Parameters["$recipient"].Value = triplet.Recipient;
        using SqliteDataReader reader = select.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    private void Upsert(GreylistEntry entry)
    {
        SqliteCommand upsert = _upsert!;
        upsert.Parameters["$network"].Value = entry.Triplet.ClientNetwork;
        upsert.Parameters["$sender"].Value = entry.Triplet.Sender;
        upsert.Parameters["$recipient"].Value = entry.Triplet.Recipient;
        upsert.Parameters["$first"].Value = entry.FirstSeen.ToUnixTimeMilliseconds();
        upsert.Parameters["$last"].Value = entry.LastSeen.ToUnixTimeMilliseconds();
        upsert.Parameters["$passed"].Value = entry.Passed ? 1 : 0;
        upsert.Parameters["$expires"].Value = entry.Expires.ToUnixTimeMilliseconds();
        upsert.ExecuteNonQuery();
    }

    private static GreylistEntry Read(SqliteDataReader reader) => new(
        new GreylistTriplet(reader.GetString(0), reader.GetString(1), reader.GetString(2)),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
        reader.GetInt64(5) != 0,
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)));

    private static void AddParameters(SqliteCommand command, params string[] names)
    {
        foreach (string name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
