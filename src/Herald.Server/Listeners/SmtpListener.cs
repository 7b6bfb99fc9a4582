// One listening socket: accepts connections, applies the admission gates, starts sessions.
using System.Net;
using System.Net.Sockets;
using Herald.Protocol.Replies;
using Herald.Server.Admission;
using Herald.Server.Sessions;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Listeners;

/// <summary>Accepts on one endpoint. Refused connections get one reply and are closed without a session.</summary>
internal sealed class SmtpListener : IAsyncDisposable
{
    private readonly SessionServices _services;
    private readonly IReadOnlyList<IConnectionGate> _gates;
    private readonly ConnectionRegistry _registry;
    private readonly Socket _socket;
    private readonly List<Task> _sessions = [];
    private readonly Lock _sessionsLock = new();

    public SmtpListener(SessionServices services, IPEndPoint endpoint, IReadOnlyList<IConnectionGate> gates, ConnectionRegistry registry)
    {
        _services = services;
        _gates = gates;
        _registry = registry;
        _socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            ExclusiveAddress.Apply(_socket);
            _socket.Bind(endpoint);
            _socket.Listen(ListenBacklog.Resolve(services.Options.Limits.ListenBacklog));
        }
        catch (SocketException e)
        {
            _socket.Dispose();
            throw new ListenerBindException($"Listener '{services.Listener.Name}' cannot listen on {endpoint}: {BindFailure.Describe(e)}.", e);
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        WarmRefusalPath(services.Options.Hostname);
    }

    public IPEndPoint LocalEndPoint { get; }

    public async Task AcceptLoopAsync(CancellationToken abortSessions)
    {
        while (true)
        {
            Socket client;
            try
            {
                // The loop ends when the socket is disposed at the end of the drain.
                client = await _socket.AcceptAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            client.NoDelay = true;
            var remote = (IPEndPoint)client.RemoteEndPoint!;
            if (await RefusalAsync(remote.Address).ConfigureAwait(false) is { } refusal)
            {
                // Not awaited: a slow refused client must not hold up the accept loop during a flood.
                _ = RefuseAsync(client, remote, refusal.Reply, refusal.Policy);
                continue;
            }

            // Registered before the next accept, so the limits see this session at once.
            var session = new SmtpSession(_services, new NetworkStream(client, ownsSocket: true), remote);
            _registry.Add(session, remote.Address);
            _services.Pressure?.SessionAdded();
            _services.Metrics.SessionOpened(_services.Listener.Name);
            Task task = RunSessionAsync(session, remote, abortSessions);
            lock (_sessionsLock)
            {
                _sessions.RemoveAll(t => t.IsCompleted);
                _sessions.Add(task);
            }
        }
    }

    /// <summary>Waits for every session of this listener to end.</summary>
    public Task SessionsCompletion()
    {
        lock (_sessionsLock)
        {
            return Task.WhenAll(_sessions);
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask<AdmissionRefusal?> RefusalAsync(IPAddress client)
    {
        foreach (IConnectionGate gate in _gates)
        {
            // Awaited before the next accept, so that the registry and the counters see connections in order.
            if (await gate.AdmitAsync(client, _registry, CancellationToken.None).ConfigureAwait(false) is { } refusal)
            {
                return refusal;
            }
        }

        return null;
    }

    /// <summary>
    /// Renders the refusals a burst meets first (the connection limits) once at start, so the first
    /// flood after a start is answered without waiting for the reply templates to be compiled and formatted.
    /// </summary>
    private static void WarmRefusalPath(string hostname)
    {
        foreach (SmtpReply reply in (ReadOnlySpan<SmtpReply>)[SmtpReplies.TooManyConnections.Render(hostname), SmtpReplies.TooManyConnectionsFromClient.Render(hostname, "127.0.0.1")])
        {
            _ = System.Text.Encoding.UTF8.GetBytes(reply.ToWireString());
        }
    }

    private async Task RefuseAsync(Socket client, IPEndPoint remote, SmtpReply reply, string policy)
    {
        _services.Logger.LogInformation("client={Client} id=- reply=\"{Reply}\" policy={Policy}", remote.Address, reply, policy);
        _services.Metrics.ConnectionRefused(_services.Listener.Name, reply, policy);
        _services.Metrics.Refused(policy, reply);
        _services.Metrics.ReplySent(reply);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.SendAsync(System.Text.Encoding.UTF8.GetBytes(reply.ToWireString()), SocketFlags.None, cts.Token).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client left first; nothing more to do.
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task RunSessionAsync(SmtpSession session, IPEndPoint remote, CancellationToken abort)
    {
        await Task.Yield();
        try
        {
            await session.RunAsync(abort).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A fault in one session must never take down the listener or other sessions.
            _services.Logger.LogError(e, "client={Client} session failed", remote.Address);
        }
        finally
        {
            _registry.Remove(session, remote.Address);
            _services.Metrics.SessionClosed(_services.Listener.Name);
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }
}
