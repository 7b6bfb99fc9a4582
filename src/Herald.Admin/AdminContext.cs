// What the admin endpoints read and act on: the live objects of `herald serve`, handed over, never copied.
using Herald.Queue;
using Herald.Queue.Operations;
using Herald.Server;
using Herald.Server.Control;
using Microsoft.Extensions.Hosting;

namespace Herald.Admin;

/// <summary>
/// The parts of the running server the admin API may touch. The admin API runs its own small web host (see
/// <see cref="AdminServer"/>); these are the objects of the host of <c>herald serve</c> that it is given.
/// </summary>
/// <param name="Server">The SMTP server: listeners, open sessions, maintenance and drain.</param>
/// <param name="Control">The same operations the control socket serves (maintenance, stop).</param>
/// <param name="Queue">The same queue operations <c>herald queue</c> runs, with the same JSON shapes.</param>
/// <param name="QueueDepth">Counts what is queued without reading messages.</param>
/// <param name="Lifetime">The lifetime of <c>herald serve</c> (not of the admin's web host): started, stopping.</param>
/// <param name="Version">This build's version, as <c>herald version</c> prints it.</param>
public sealed record AdminContext(
    SmtpServer Server,
    ServerOptions ServerOptions,
    ServerControl Control,
    QueueOperations Queue,
    IQueueDepth QueueDepth,
    IHostApplicationLifetime Lifetime,
    TimeProvider Time,
    string Version)
{
    public string Hostname => ServerOptions.Hostname;

    /// <summary>When <c>herald serve</c> began; set once the admin endpoint is bound.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>True once every hosted service has started: the queue is recovered, the listeners accept.</summary>
    public bool HasStarted => Lifetime.ApplicationStarted.IsCancellationRequested;
}
