// A raw SMTP client for tests: real socket, exact bytes, replies parsed with the project's own reader.
using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Herald.Protocol.Replies;

namespace Herald.TestSupport.Smtp;

/// <summary>Talks to a server byte for byte, so tests can send what no polite client would.</summary>
public sealed class SmtpTestClient : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    private readonly Socket _socket;
    private Stream _stream;
    private readonly byte[] _receive = new byte[64 * 1024];
    private ReadOnlySequence<byte> _pending = ReadOnlySequence<byte>.Empty;
    private bool _closed;

    private SmtpTestClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>True after <see cref="StartTlsAsync"/>.</summary>
    public SslStream? Tls { get; private set; }

    /// <summary>
    /// Runs the TLS handshake on the connection (after a 220 to STARTTLS, or at once for implicit TLS).
    /// Bytes the server sent before are dropped, as a careful client does (RFC 3207 §4.2).
    /// </summary>
    public async Task StartTlsAsync(string targetHost = "mx.herald.test")
    {
        _pending = ReadOnlySequence<byte>.Empty;
        var tls = new SslStream(_stream, leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
        });
        Tls = tls;
        _stream = tls;
    }

    public static async Task<SmtpTestClient> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint);
        return new SmtpTestClient(socket);
    }

    /// <summary>Connects and reads the greeting.</summary>
    public static async Task<(SmtpTestClient Client, SmtpReply Greeting)> ConnectAndGreetAsync(IPEndPoint endpoint)
    {
        SmtpTestClient client = await ConnectAsync(endpoint);
        return (client, await client.ReadReplyAsync());
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends one command line (CRLF added) and reads its reply.</summary>
    public async Task<SmtpReply> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads the next complete reply; fails the test when none comes in time or the server closes.</summary>
    public async Task<SmtpReply> ReadReplyAsync(TimeSpan? timeout = null)
    {
        SmtpReply? reply = await TryReadReplyAsync(timeout ?? DefaultTimeout);
        return reply ?? throw new IOException("The server closed the connection instead of replying.");
    }

    /// <summary>Reads the next reply, or null when the server closed the connection first.</summary>
    public async Task<SmtpReply?> TryReadReplyAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            ReadOnlySequence<byte> buffer = _pending;
            if (SmtpReplyReader.TryRead(ref buffer, out SmtpReply? reply))
            {
                _pending = new ReadOnlySequence<byte>(buffer.ToArray());
                return reply;
            }

            if (_closed)
            {
                return null;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(_receive, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No reply within {timeout}.");
            }
            catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
            {
                read = 0;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                read = 0;
            }

            if (read == 0)
            {
                _closed = true;
                continue;
            }

            byte[] merged = new byte[_pending.Length + read];
            _pending.CopyTo(merged);
            _receive.AsSpan(0, read).CopyTo(merged.AsSpan((int)_pending.Length));
            _pending = new ReadOnlySequence<byte>(merged);
        }
    }

    /// <summary>True when the server closes the connection (after any replies still unread) within the timeout.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan? timeout = null)
    {
        try
        {
            while (await TryReadReplyAsync(timeout ?? DefaultTimeout) is not null)
            {
            }

            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Tls is not null)
        {
            await Tls.DisposeAsync();
        }

        _socket.Dispose();
    }
}
