// Opens a real queue store for server tests.
using Herald.Queue.Files;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Server.Tests;

internal static class TestQueues
{
    public static async Task<FileQueueStore> OpenAsync(string directory, TimeProvider time) =>
        await FileQueueStore.OpenAsync(new QueueStoreOptions(directory), time, NullLogger<FileQueueStore>.Instance, CancellationToken.None);
}
