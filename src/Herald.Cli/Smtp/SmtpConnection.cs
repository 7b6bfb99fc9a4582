// A small SMTP client connection for `herald probe` and `herald sendmail`: replies, commands, STARTTLS, DATA.
using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Protocol.Replies;

namespace Herald.Cli.Smtp;

/// <summary>
/// One connection to an SMTP server, driven one step at a time so that each step can be timed and
/// given its own deadline. Replies are parsed with <see cref="SmtpReplyReader"/>. It is not a delivery
/// client: no pipelining, no retries, no connection reuse.
/// </summary>
internal sealed class SmtpConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private Stream _stream;
    private byte[] _buffer = new byte[8 * 1024];
    private int _count;

    private SmtpConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <summary>This end of the connection.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>True once the server closed its side; nothing more will be read.</summary>
    public bool Closed { get; private set; }

    public static async Task<SmtpConnection> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            return new SmtpConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads the next complete reply.</summary>
    /// <exception cref="IOException">The server closed the connection before a whole reply arrived.</exception>
    /// <exception cref="FormatException">What arrived is not an SMTP reply.</exception>
    public async Task<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var pending = new ReadOnlySequence<byte>(_buffer, 0, _count);
            if (SmtpReplyReader.TryRead(ref pending, out SmtpReply? reply))
            {
                int rest = (int)pending.Length;
                Buffer.BlockCopy(_buffer, _count - rest, _buffer, 0, rest);
                _count = rest;
                return reply!;
            }

            if (Closed)
            {
                throw new IOException("the server closed the connection");
            }

            if (_count == _buffer.Length)
            {
                // SmtpReplyReader bounds a line; a multi-line reply may still outgrow the first buffer.
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            int read = await _stream.ReadAsync(_buffer.AsMemory(_count), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                Closed = true;
            }

            _count += read;
        }
    }

    /// <summary>Sends one command line; CRLF is added (RFC 5321 §2.3.8).</summary>
    public async Task SendLineAsync(string line, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends one command and reads its reply.</summary>
    public async Task<SmtpReply> CommandAsync(string line, CancellationToken cancellationToken)
    {
        await SendLineAsync(line, cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The TLS handshake after the server said 220 to STARTTLS (RFC 3207 §4). The certificate is recorded,
    /// never judged: a diagnostic must see a bad certificate to report it, and mail servers use TLS
    /// opportunistically (RFC 7435), so a failed validation does not end the session.
    /// </summary>
    public async Task<TlsDetails> StartTlsAsync(string targetHost, CancellationToken cancellationToken)
    {
        if (_count > 0)
        {
            // RFC 3207 §5: anything sent before the handshake ends is not to be trusted (STARTTLS injection).
            throw new IOException("the server sent data after its reply to STARTTLS, before the TLS handshake");
        }

        SslPolicyErrors errors = SslPolicyErrors.None;
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
#pragma warning disable CA5359 // Recorded and reported, not judged: see the summary. No credentials or content are sent by a probe.
            RemoteCertificateValidationCallback = (_, _, _, policyErrors) =>
            {
                errors = policyErrors;
                return true;
            },
#pragma warning restore CA5359
        };
        await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        _stream = ssl;

        // SslStream owns the certificate it hands out.
        var certificate = ssl.RemoteCertificate as X509Certificate2;
        return new TlsDetails(
            ssl.SslProtocol,
            ssl.NegotiatedCipherSuite.ToString(),
            certificate?.Subject,
            certificate?.Issuer,
            certificate is null ? null : new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            certificate is null ? null : new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && certificate is not null,
            errors);
    }

    /// <summary>
    /// Sends message content after the 354 and the end-of-data mark, and reads the reply. Lines are
    /// dot-stuffed (RFC 5321 §4.5.2); the content must already end its lines with CRLF.
    /// </summary>
    public async Task<SmtpReply> SendDataAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var output = new ArrayBufferWriter<byte>(content.Length + 1024);
        ReadOnlySpan<byte> rest = content.Span;
        while (rest.Length > 0)
        {
            if (rest[0] == (byte)'.')
            {
                output.Write("."u8);
            }

            int end = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..(end + 1)];
            output.Write(line);
            rest = rest[line.Length..];
            if (end < 0)
            {
                output.Write("\r\n"u8);
            }
        }

        output.Write(".\r\n"u8);
        await _stream.WriteAsync(output.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or AuthenticationException or ObjectDisposedException)
        {
            // Closing a TLS session sends close_notify; a peer that has gone leaves nothing to tell.
        }

        _socket.Dispose();
    }
}

/// <summary>What the TLS handshake gave: protocol, cipher suite and the server's certificate.</summary>
/// <param name="NameMatches">The certificate names the host asked for (RFC 6125); false without a certificate.</param>
/// <param name="Errors">Everything certificate validation found, name mismatch and untrusted chain included.</param>
internal sealed record TlsDetails(
    SslProtocols Protocol,
    string CipherSuite,
    string? Subject,
    string? Issuer,
    DateTimeOffset? NotBefore,
    DateTimeOffset? NotAfter,
    bool NameMatches,
    SslPolicyErrors Errors);
