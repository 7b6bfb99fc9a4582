// Recovers the queue at start-up, before the server accepts or the delivery engine reads anything.
using Herald.Queue.Files;
using Microsoft.Extensions.Hosting;

namespace Herald.Cli.Hosting;

/// <summary>
/// Hosted services start in registration order; this one comes before every service that reads the queue
/// (only the admin API starts earlier, and it answers 503 for the queue until the host has started), so torn
/// files are set aside and leftovers removed before any session or delivery touches the queue.
/// </summary>
internal sealed class QueueRecoveryService(FileQueueStore queue) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => queue.RecoverAsync(cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
