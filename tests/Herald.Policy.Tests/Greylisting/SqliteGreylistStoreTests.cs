// The SQLite greylist store: the shared contract, and what only a file does: created on first use, WAL, schema, location.
using Herald.Policy.Greylisting;
using Herald.TestSupport.Contracts;
using Microsoft.Data.Sqlite;

namespace Herald.Policy.Tests.Greylisting;

public sealed class SqliteGreylistStoreTests : GreylistStoreContract
{
    private readonly TempDirectory _directory = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }

    protected override IGreylistStore CreateStore() => new SqliteGreylistStore(_directory.Path, Time);

    [Fact]
    public async Task File_IsCreatedOnFirstUse_WithItsDirectory()
    {
        string directory = Path.Combine(_directory.Path, "state");
        using var store = new SqliteGreylistStore(directory, Time);
        Assert.False(File.Exists(store.FilePath));

        await Observe(store, Triplet);

        Assert.Equal(Path.Combine(directory, "greylist.db"), store.FilePath);
        Assert.True(File.Exists(store.FilePath));
    }

    [Fact]
    public async Task File_IsInWalMode()
    {
        using var store = new SqliteGreylistStore(_directory.Path, Time);
        await Observe(store, Triplet);

        using var connection = new SqliteConnection($"Data Source={store.FilePath};Pooling=False");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", (string)command.ExecuteScalar()!);
    }

    [Fact]
    public async Task NewerSchema_IsRefusedAsAStoreFailure()
    {
        string path = Path.Combine(_directory.Path, SqliteGreylistStore.FileName);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }

        using var store = new SqliteGreylistStore(_directory.Path, Time);

        GreylistStoreException e = await Assert.ThrowsAsync<GreylistStoreException>(async () => await Observe(store, Triplet));
        Assert.Contains("schema version 99", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnusableLocation_IsAStoreFailure()
    {
        string blocker = Path.Combine(_directory.Path, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "x");
        using var store = new SqliteGreylistStore(Path.Combine(blocker, "state"), Time);

        await Assert.ThrowsAsync<GreylistStoreException>(async () => await Observe(store, Triplet));
    }

    [Fact]
    public async Task DisposedStore_Throws()
    {
        var store = new SqliteGreylistStore(_directory.Path, Time);
        await Observe(store, Triplet);
        store.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ListAsync(default));
    }
}
