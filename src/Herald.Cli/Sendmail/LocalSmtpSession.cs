// `herald sendmail -bs`: an SMTP session on standard input and output, for programs that submit mail that way.
using System.Net;
using System.Net.Sockets;
using Herald.Cli.Commands;
using Herald.Cli.Configuration;
using Herald.Dns;
using Herald.Policy;
using Herald.Queue.Files;
using Herald.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Cli.Sendmail;

/// <summary>
/// With a server running, the bytes are relayed to its SMTP listener, so the session is the server's own, its
/// policy applies as to any client on 127.0.0.1, and what it accepts is delivered at once. Without one, a real
/// Herald session runs in this process over the standard streams (<see cref="SmtpServer.RunSessionAsync"/>) and
/// writes into the queue directory, where the next <c>herald serve</c> finds it; that client is the local user,
/// so the session counts it among TrustedNetworks (relaying allowed), as a local submission program does.
/// </summary>
internal static class LocalSmtpSession
{
    public static async Task<int> RunAsync(HeraldSettings settings, SendmailContext context, bool serverRunning, CancellationToken cancellationToken)
    {
        if (serverRunning && SmtpSubmission.EndpointOf(settings.Server) is { } endpoint && await TryRelayAsync(endpoint, context, cancellationToken).ConfigureAwait(false))
        {
            return ExitCodes.Ok;
        }

        settings.Policy.TrustedNetworks.Add("127.0.0.1/32");
        try
        {
            using ReceivingPolicy policy = ReceivingPolicy.Create(
                settings.Policy, settings.Server.Hostname, settings.DataDirectory, new DnsMxResolver(settings.Dns, context.Time), context.Time, NullLoggerFactory.Instance);
            using FileQueueStore queue = FileQueueStore.OpenForSubmission(new QueueStoreOptions(settings.QueueDirectory), context.Time, NullLogger<FileQueueStore>.Instance);
            await using var server = new SmtpServer(settings.Server, policy, queue, new ServerStatus(), [], context.Time, NullLoggerFactory.Instance);
            await server.RunSessionAsync(new StandardStreams(context.Input, context.Output), new IPEndPoint(IPAddress.Loopback, 0), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"herald sendmail: cannot use the data directory '{settings.DataDirectory}': {e.Message}").ConfigureAwait(false);
            return ExitCodes.TempFail;
        }
    }

    /// <summary>Relays both directions until the server closes; false when it cannot be reached at all.</summary>
    private static async Task<bool> TryRelayAsync(IPEndPoint endpoint, SendmailContext context, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30), context.Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            await socket.ConnectAsync(endpoint, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }

        await using var network = new NetworkStream(socket, ownsSocket: false);
        byte[] buffer = new byte[16 * 1024];

        // The client's bytes go up only once the server has begun its greeting: a piped session written all
        // at once must not look like an early talker (Smtp:RejectEarlyTalkers) to a server that checks.
        int read;
        try
        {
            // RFC 5321 §4.5.3.2.1: a client waits 5 minutes for the greeting.
            using var greeting = new CancellationTokenSource(TimeSpan.FromMinutes(5), context.Time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, greeting.Token);
            read = await network.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }

        if (read == 0)
        {
            return false;
        }

        await context.Output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        Task upstream = Task.Run(async () =>
        {
            try
            {
                await context.Input.CopyToAsync(network, cancellationToken).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The server closed first (after QUIT, or a 421); what the client still sends has nowhere to go.
            }
        }, cancellationToken);

        try
        {
            while ((read = await network.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await context.Output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                await context.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The server reset the connection: the session is over either way.
        }

        // The session ends when the server closes; a client still holding its input open is not waited for.
        if (upstream.IsCompleted)
        {
            await upstream.ConfigureAwait(false);
        }

        return true;
    }
}
