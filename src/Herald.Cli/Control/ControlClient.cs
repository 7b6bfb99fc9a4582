// The client side of the control channel, used by `herald maintenance` and `herald stop`.
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Herald.Server.Control;

namespace Herald.Cli.Control;

internal static class ControlClient
{
    /// <summary>Sends one request to the server running on <paramref name="dataDirectory"/>.</summary>
    /// <exception cref="ControlChannelException">No server is running there, or it cannot be reached.</exception>
    public static async Task<ControlResponse> SendAsync(string dataDirectory, ControlRequest request, CancellationToken cancellationToken)
    {
        string path = ControlSocket.PathFor(dataDirectory);
        if (!File.Exists(path))
        {
            throw new ControlChannelException($"no running server found: {path} does not exist (is `herald serve` running with this data directory?)")
            {
                ServerNotRunning = true,
            };
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            string why = e.SocketErrorCode switch
            {
                SocketError.AccessDenied => "permission denied (run as the user that runs the server, or root)",
                SocketError.ConnectionRefused => "nothing is listening (the server is not running)",
                _ => e.Message,
            };
            throw new ControlChannelException($"cannot reach the server at {path}: {why}")
            {
                // A socket file nobody listens on is left by a server that died; a vanished one by one that stopped.
                ServerNotRunning = e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable,
            };
        }

        await using var stream = new NetworkStream(socket);
        byte[] bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request) + "\n");
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        return (line is null ? null : JsonSerializer.Deserialize<ControlResponse>(line))
            ?? throw new ControlChannelException("the server closed the control channel without answering");
    }
}

internal sealed class ControlChannelException : Exception
{
    public ControlChannelException(string message)
        : base(message)
    {
    }

    public ControlChannelException()
    {
    }

    public ControlChannelException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>True when no server is running on the data directory (as opposed to one that cannot be reached).</summary>
    public bool ServerNotRunning { get; init; }
}
