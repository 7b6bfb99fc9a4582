// A scripted SMTP server on a loopback address, for testing clients (outbound delivery, probes, submission).
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Herald.TestSupport.Smtp;

/// <summary>What the peer does after writing a reply.</summary>
public enum PeerAction
{
    /// <summary>Read the next command.</summary>
    Continue,

    /// <summary>Close the connection (FIN), as after a 421 or 221.</summary>
    Close,

    /// <summary>Reset the connection (RST), as a crashed or overloaded server does.</summary>
    Reset,
}

/// <summary>
/// One reply of the script: <see cref="Text"/> (lines separated by CRLF, without the last CRLF), then
/// <see cref="Unsolicited"/> written on its own afterwards (e.g. a 421 before closing), then <see cref="Then"/>.
/// </summary>
public sealed record PeerReply(string Text, PeerAction Then = PeerAction.Continue, string? Unsolicited = null)
{
    public static implicit operator PeerReply(string text) => new(text);
}

/// <summary>A message the peer received: envelope as sent, the raw DATA (dot-stuffed) and the content (unstuffed).</summary>
public sealed record PeerMessage(int Connection, string MailFrom, IReadOnlyList<string> Recipients, byte[] RawData, bool Tls)
{
    /// <summary>The content as the sender meant it: dot-stuffing undone, end mark removed.</summary>
    public string Content => Unstuff(Encoding.UTF8.GetString(RawData));

    private static string Unstuff(string raw)
    {
        var lines = raw.Split("\r\n").ToList();

        // The raw data ends with the CRLF before "." and the ".\r\n" mark: "...\r\n.\r\n" splits into [..., ".", ""].
        lines.RemoveRange(lines.Count - 2, 2);
        return string.Concat(lines.Select(l => (l.StartsWith('.') ? l[1..] : l) + "\r\n"));
    }
}

/// <summary>What a test scripts: each reply as a function of the connection (and the command's argument).</summary>
public sealed class PeerScript
{
    public Func<PeerConnection, PeerReply> Greeting { get; init; } = c => $"220 {c.HostName} ESMTP scripted";

    /// <summary>The EHLO reply; null gives <c>250-&lt;host&gt;</c> and one line per entry of <see cref="Extensions"/> (plus STARTTLS when a certificate is set).</summary>
    public Func<PeerConnection, string, PeerReply>? Ehlo { get; init; }

    public IReadOnlyList<string> Extensions { get; init; } = ["PIPELINING", "SIZE 52428800", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8"];

    public Func<PeerConnection, string, PeerReply> Helo { get; init; } = (c, _) => $"250 {c.HostName}";

    public Func<PeerConnection, string, PeerReply> Mail { get; init; } = (_, _) => "250 2.1.0 Ok";

    public Func<PeerConnection, string, PeerReply> Rcpt { get; init; } = (_, _) => "250 2.1.5 Ok";

    public Func<PeerConnection, PeerReply> Data { get; init; } = _ => "354 End data with <CR><LF>.<CR><LF>";

    public Func<PeerConnection, PeerMessage, PeerReply> Message { get; init; } = (_, _) => "250 2.0.0 Ok: queued";

    /// <summary>The RSET reply; the transaction is dropped when it is 2xx.</summary>
    public Func<PeerConnection, PeerReply> Rset { get; init; } = _ => "250 2.0.0 Ok";

    public Func<PeerConnection, PeerReply> Noop { get; init; } = _ => "250 2.0.0 Ok";

    public Func<PeerConnection, PeerReply> Quit { get; init; } = _ => new PeerReply("221 2.0.0 Bye", PeerAction.Close);

    /// <summary>
    /// The STARTTLS reply; null gives <c>220 2.0.0 Ready to start TLS</c> where a <see cref="Certificate"/> is set
    /// and TLS is not on yet, and the reply to an unknown command elsewhere. The handshake follows a 220 that goes
    /// on (<see cref="PeerAction.Continue"/>) when a certificate is set: a 220 with <see cref="PeerAction.Reset"/>
    /// breaks the client's handshake, a 454 refuses TLS.
    /// </summary>
    public Func<PeerConnection, PeerReply>? StartTls { get; init; }

    /// <summary>The reply to any other command (AUTH, VRFY, HELP, a verb the peer does not know), given the whole line.</summary>
    public Func<PeerConnection, string, PeerReply> Other { get; init; } = (_, _) => "500 5.5.2 Error: command not recognized";

    /// <summary>When set, the peer resets the connection once it has read this many octets of DATA.</summary>
    public int? ResetAfterDataOctets { get; init; }

    /// <summary>When set, STARTTLS is offered and done with this certificate (with its private key).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>The peer accepts connections and never says anything, as a hung server.</summary>
    public bool Silent { get; init; }
}

/// <summary>One connection the peer accepted, with every command line it read.</summary>
public sealed class PeerConnection
{
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal PeerConnection(int number, string hostName)
    {
        Number = number;
        HostName = hostName;
    }

    /// <summary>0 for the first connection to this peer, 1 for the next, ...</summary>
    public int Number { get; }

    public string HostName { get; }

    public bool IsTls { get; internal set; }

    public IReadOnlyList<string> Commands => [.. _commands];

    /// <summary>Completes when the peer has closed (or reset) this connection or the client went away.</summary>
    public Task Closed => _closed.Task;

    internal void Add(string command) => _commands.Enqueue(command);

    internal void MarkClosed() => _closed.TrySetResult();
}

/// <summary>
/// A fake SMTP server (an MX host, or the server a submission or probe talks to): listens on a loopback
/// address and answers each command as its <see cref="Script"/> says, over real sockets and, after
/// STARTTLS, real TLS, recording commands and messages for the test to assert on. Several peers share one
/// port on different loopback addresses (127.0.0.2, 127.0.0.3, ... work on Linux without setup), as MX
/// hosts share port 25, so they can stand in for the MX hosts of a zone served by a LoopbackDnsServer.
/// <code>
/// await using var mx = ScriptedSmtpPeer.Start("127.0.0.3", new PeerScript
/// {
///     Greeting = c => new PeerReply($"421 4.3.2 {c.HostName} busy", PeerAction.Close),
/// }, "mx.busy.test");
/// </code>
/// </summary>
public sealed class ScriptedSmtpPeer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<PeerConnection> _connections = new();
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly ConcurrentQueue<PeerMessage> _messages = new();
    private readonly ConcurrentDictionary<Task, byte> _serving = new();
    private readonly Task _acceptLoop;
    private int _count;

    private ScriptedSmtpPeer(TcpListener listener, PeerScript script, string hostName)
    {
        _listener = listener;
        Script = script;
        HostName = hostName;
        EndPoint = (IPEndPoint)listener.LocalEndpoint;
        _acceptLoop = Task.Run(AcceptAsync);
    }

    public IPEndPoint EndPoint { get; }

    public string HostName { get; }

    /// <summary>The script for new commands; a test may swap it between phases.</summary>
    public PeerScript Script { get; set; }

    public IReadOnlyList<PeerConnection> Connections => [.. _connections];

    /// <summary>Every command line read, over all connections, in the order read.</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    public IReadOnlyList<PeerMessage> Messages => [.. _messages];

    /// <summary>
    /// Starts one peer per address, all on one free port (found by trying), named by <paramref name="hostNames"/>.
    /// Addresses must be loopback: tests never listen elsewhere.
    /// </summary>
    public static IReadOnlyList<ScriptedSmtpPeer> StartGroup(PeerScript script, IReadOnlyList<string> addresses, IReadOnlyList<string>? hostNames = null)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        for (int attempt = 0; ; attempt++)
        {
            var listeners = new List<TcpListener>();
            try
            {
                int port = 0;
                foreach (string text in addresses)
                {
                    IPAddress address = IPAddress.Parse(text);
                    if (!IPAddress.IsLoopback(address))
                    {
                        throw new ArgumentException($"{text} is not a loopback address.", nameof(addresses));
                    }

                    var listener = new TcpListener(address, port);
                    listener.Start();
                    listeners.Add(listener);
                    port = ((IPEndPoint)listener.LocalEndpoint).Port;
                }

                return [.. listeners.Select((l, i) => new ScriptedSmtpPeer(l, script, hostNames?[i] ?? $"peer{i + 1}.test"))];
            }
            catch (SocketException) when (attempt < 50)
            {
                foreach (TcpListener listener in listeners)
                {
                    listener.Stop();
                }
            }
        }
    }

    public static ScriptedSmtpPeer Start(string address, PeerScript script, string hostName = "peer.test") =>
        StartGroup(script, [address], [hostName])[0];

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(_serving.Keys);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var connection = new PeerConnection(Interlocked.Increment(ref _count) - 1, HostName);
            _connections.Enqueue(connection);
            Task serving = Task.Run(() => ServeAsync(socket, connection));
            _serving.TryAdd(serving, 0);
            _ = serving.ContinueWith(t => _serving.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket, PeerConnection connection)
    {
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        var reader = new PeerReader(stream);
        CancellationToken stop = _stopping.Token;
        try
        {
            if (Script.Silent)
            {
                // Read and discard until the client gives up.
                while (await reader.ReadLineAsync(stop) is string ignored)
                {
                    Record(connection, ignored);
                }

                return;
            }

            if (!await ReplyAsync(socket, stream, Script.Greeting(connection), stop))
            {
                return;
            }

            string? mailFrom = null;
            var recipients = new List<string>();
            while (!stop.IsCancellationRequested)
            {
                string? line = await reader.ReadLineAsync(stop);
                if (line is null)
                {
                    return;
                }

                Record(connection, line);
                PeerScript script = Script;
                string verb = (line.Length >= 4 ? line[..4] : line).ToUpperInvariant();
                string argument = line.Length > 5 ? line[5..] : string.Empty;
                PeerReply reply;
                switch (verb)
                {
                    case "EHLO":
                        mailFrom = null;
                        recipients.Clear();
                        reply = script.Ehlo?.Invoke(connection, argument) ?? DefaultEhlo(script, connection);
                        break;
                    case "HELO":
                        reply = script.Helo(connection, argument);
                        break;
                    case "MAIL":
                        mailFrom = line;
                        recipients.Clear();
                        reply = script.Mail(connection, line);
                        break;
                    case "RCPT":
                        reply = script.Rcpt(connection, line);
                        if (reply.Text.StartsWith('2'))
                        {
                            recipients.Add(line);
                        }

                        break;
                    case "DATA":
                        // RFC 2920 §3.1: with no valid recipient, DATA is refused (as real servers do).
                        reply = recipients.Count == 0 ? "554 5.5.1 Error: no valid recipients" : script.Data(connection);
                        if (reply.Text.StartsWith("354", StringComparison.Ordinal))
                        {
                            if (!await ReplyAsync(socket, stream, reply, stop))
                            {
                                return;
                            }

                            byte[]? raw = await reader.ReadDataAsync(script.ResetAfterDataOctets, stop);
                            if (raw is null)
                            {
                                Reset(socket);
                                return;
                            }

                            var message = new PeerMessage(connection.Number, mailFrom ?? string.Empty, [.. recipients], raw, connection.IsTls);
                            reply = script.Message(connection, message);
                            if (reply.Text.StartsWith('2'))
                            {
                                _messages.Enqueue(message);
                            }

                            mailFrom = null;
                            recipients.Clear();
                        }

                        break;
                    case "RSET":
                        reply = script.Rset(connection);
                        if (reply.Text.StartsWith('2'))
                        {
                            mailFrom = null;
                            recipients.Clear();
                        }

                        break;
                    case "NOOP":
                        reply = script.Noop(connection);
                        break;
                    case "QUIT":
                        reply = script.Quit(connection);
                        break;
                    case "STAR" when line.Equals("STARTTLS", StringComparison.OrdinalIgnoreCase):
                        bool ready = script.Certificate is not null && !connection.IsTls;
                        reply = script.StartTls?.Invoke(connection) ?? (ready ? "220 2.0.0 Ready to start TLS" : script.Other(connection, line));
                        if (!ready || reply.Then != PeerAction.Continue || !reply.Text.StartsWith("220", StringComparison.Ordinal))
                        {
                            break;
                        }

                        if (!await ReplyAsync(socket, stream, reply, stop))
                        {
                            return;
                        }

                        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = script.Certificate }, stop);
                        stream = ssl;
                        reader = new PeerReader(stream);
                        connection.IsTls = true;
                        mailFrom = null;
                        recipients.Clear();
                        continue;
                    default:
                        reply = script.Other(connection, line);
                        break;
                }

                if (!await ReplyAsync(socket, stream, reply, stop))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
            // The client went away or the test is over.
        }
        finally
        {
            await stream.DisposeAsync();
            socket.Dispose();
            connection.MarkClosed();
        }
    }

    private void Record(PeerConnection connection, string line)
    {
        connection.Add(line);
        _commands.Enqueue(line);
    }

    private static PeerReply DefaultEhlo(PeerScript script, PeerConnection connection)
    {
        var lines = new List<string> { connection.HostName };
        lines.AddRange(script.Extensions);
        if (script.Certificate is not null && !connection.IsTls)
        {
            lines.Add("STARTTLS");
        }

        var text = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            text.Append("250").Append(i == lines.Count - 1 ? ' ' : '-').Append(lines[i]);
            if (i < lines.Count - 1)
            {
                text.Append("\r\n");
            }
        }

        return text.ToString();
    }

    private static void Reset(Socket socket)
    {
        // Linger on with a zero timeout: close sends RST instead of FIN.
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    /// <summary>Writes a reply and carries out its action; false when the connection is over.</summary>
    private static async Task<bool> ReplyAsync(Socket socket, Stream stream, PeerReply reply, CancellationToken stop)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(reply.Text + "\r\n"), stop);
        await stream.FlushAsync(stop);
        if (reply.Unsolicited is not null)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(reply.Unsolicited + "\r\n"), stop);
            await stream.FlushAsync(stop);
        }

        switch (reply.Then)
        {
            case PeerAction.Close:
                socket.Shutdown(SocketShutdown.Both);
                return false;
            case PeerAction.Reset:
                Reset(socket);
                return false;
            default:
                return true;
        }
    }

    /// <summary>Reads CRLF-ended command lines and DATA from one stream, with its own buffer.</summary>
    private sealed class PeerReader(Stream stream)
    {
        private readonly byte[] _chunk = new byte[16 * 1024];
        private readonly List<byte> _buffer = [];

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                int end = IndexOf("\r\n"u8.ToArray(), 0);
                if (end >= 0)
                {
                    string line = Encoding.UTF8.GetString([.. _buffer.Take(end)]);
                    _buffer.RemoveRange(0, end + 2);
                    return line;
                }

                if (!await FillAsync(cancellationToken))
                {
                    return null;
                }
            }
        }

        /// <summary>Reads up to and including CRLF "." CRLF; null when the peer is to reset after <paramref name="resetAfter"/> octets.</summary>
        public async Task<byte[]?> ReadDataAsync(int? resetAfter, CancellationToken cancellationToken)
        {
            while (true)
            {
                if (resetAfter is int limit && _buffer.Count >= limit)
                {
                    return null;
                }

                // DATA begins right after the CRLF of the DATA line, so ".\r\n" first is an empty message.
                if (_buffer.Count >= 3 && _buffer[0] == '.' && _buffer[1] == '\r' && _buffer[2] == '\n')
                {
                    _buffer.RemoveRange(0, 3);
                    return ".\r\n"u8.ToArray();
                }

                int end = IndexOf("\r\n.\r\n"u8.ToArray(), 0);
                if (end >= 0)
                {
                    byte[] raw = [.. _buffer.Take(end + 5)];
                    _buffer.RemoveRange(0, end + 5);
                    return raw;
                }

                if (!await FillAsync(cancellationToken))
                {
                    throw new IOException("The client closed the connection during DATA.");
                }
            }
        }

        private async Task<bool> FillAsync(CancellationToken cancellationToken)
        {
            int read = await stream.ReadAsync(_chunk, cancellationToken);
            if (read == 0)
            {
                return false;
            }

            _buffer.AddRange(_chunk.AsSpan(0, read));
            return true;
        }

        private int IndexOf(byte[] pattern, int from)
        {
            for (int i = from; i <= _buffer.Count - pattern.Length; i++)
            {
                bool match = true;
                for (int j = 0; j < pattern.Length && match; j++)
                {
                    match = _buffer[i + j] == pattern[j];
                }

                if (match)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
