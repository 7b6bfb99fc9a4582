// A scripted SMTP peer for tests: listens on a loopback address and answers each command as its script says.
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Herald.TestSupport.Smtp;

/// <summary>What a <see cref="ScriptedSmtpHost"/> says. Replies are whole lines without CRLF, e.g. <c>550 5.1.1 User unknown</c>.</summary>
public sealed class SmtpScript
{
    /// <summary>The name in the default greeting and EHLO reply.</summary>
    public string Hostname { get; init; } = "mx.scripted.test";

    /// <summary>The greeting; null for <c>220 {Hostname} ESMTP scripted</c>. A greeting that is not 2xx is followed by a close, as RFC 7504 and RFC 5321 §3.8 servers do.</summary>
    public string? Greeting { get; init; }

    /// <summary>The extensions listed after EHLO. STARTTLS is added when a <see cref="Certificate"/> is set and TLS is not yet on.</summary>
    public IList<string> Extensions { get; } = ["PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES"];

    /// <summary>The server certificate (with its private key); when set, STARTTLS is offered and done (RFC 3207).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Replies by verb (EHLO, MAIL, RCPT, DATA for the reply after the message, ...) that replace the defaults.</summary>
    public IDictionary<string, string> Replies { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>A message a <see cref="ScriptedSmtpHost"/> took: the envelope as sent and the content, un-dot-stuffed.</summary>
public sealed record ScriptedMessage(string MailFrom, IReadOnlyList<string> RcptTo, string Content);

/// <summary>
/// A small SMTP server that follows a <see cref="SmtpScript"/>, for testing clients (probes, submission)
/// against hosts that greet with 421 or 521, refuse recipients or speak STARTTLS with a test certificate.
/// It binds to a loopback address of its own (127.0.0.2, 127.0.0.3, ... work on Linux without setup), so
/// several hosts can stand in for the MX hosts of a test zone served by a LoopbackDnsServer.
/// <code>
/// await using var mx = ScriptedSmtpHost.Start(IPAddress.Parse("127.0.0.3"), new SmtpScript { Greeting = "421 4.3.2 busy" });
/// </code>
/// </summary>
public sealed class ScriptedSmtpHost : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly SmtpScript _script;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly ConcurrentQueue<ScriptedMessage> _messages = new();
    private readonly ConcurrentBag<Task> _sessions = [];
    private readonly Task _acceptLoop;
    private int _connections;

    private ScriptedSmtpHost(TcpListener listener, SmtpScript script)
    {
        _listener = listener;
        _script = script;
        EndPoint = (IPEndPoint)listener.LocalEndpoint;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Every command line received, over all connections, in order.</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    /// <summary>Messages received after DATA.</summary>
    public IReadOnlyList<ScriptedMessage> Messages => [.. _messages];

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Starts a host on <paramref name="address"/> (a loopback address) and <paramref name="port"/> (0: a free one).</summary>
    public static ScriptedSmtpHost Start(IPAddress address, SmtpScript? script = null, int port = 0)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!IPAddress.IsLoopback(address))
        {
            throw new ArgumentException("Tests may only run an SMTP host on a loopback address.", nameof(address));
        }

        var listener = new TcpListener(address, port);
        listener.Start();
        return new ScriptedSmtpHost(listener, script ?? new SmtpScript());
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        try
        {
            await Task.WhenAll(_sessions);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _sessions.Add(Task.Run(() => ServeAsync(client)));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await ConverseAsync(client.GetStream(), _stopping.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException
                or System.Security.Authentication.AuthenticationException)
            {
                // The client left, or the host is stopping.
            }
        }
    }

    private async Task ConverseAsync(Stream network, CancellationToken cancellationToken)
    {
        Stream stream = network;
        try
        {
            await ConverseAsync(network, s => stream = s, cancellationToken);
        }
        finally
        {
            if (stream != network)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private async Task ConverseAsync(Stream stream, Action<Stream> upgraded, CancellationToken cancellationToken)
    {
        string greeting = _script.Greeting ?? $"220 {_script.Hostname} ESMTP scripted";
        await WriteAsync(stream, greeting, cancellationToken);
        if (!greeting.StartsWith('2'))
        {
            return;
        }

        bool tls = false;
        var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);
        string? mailFrom = null;
        var rcptTo = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            _commands.Enqueue(line);
            string verb = (line.Split(' ', 2)[0].Split(':', 2)[0]).ToUpperInvariant();
            string? scripted = _script.Replies.TryGetValue(verb, out string? reply) ? reply : null;
            switch (verb)
            {
                case "EHLO":
                    if (scripted is not null)
                    {
                        await WriteAsync(stream, scripted, cancellationToken);
                        break;
                    }

                    var lines = new List<string> { _script.Hostname };
                    lines.AddRange(_script.Extensions);
                    if (_script.Certificate is not null && !tls)
                    {
                        lines.Add("STARTTLS");
                    }

                    await WriteAsync(stream, string.Join("\r\n", lines.Select((l, i) => (i == lines.Count - 1 ? "250 " : "250-") + l)), cancellationToken);
                    break;
                case "HELO":
                    await WriteAsync(stream, scripted ?? "250 " + _script.Hostname, cancellationToken);
                    break;
                case "STARTTLS" when _script.Certificate is not null && !tls && scripted is null:
                    await WriteAsync(stream, "220 2.0.0 Ready to start TLS", cancellationToken);
                    var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                    await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _script.Certificate }, cancellationToken);
                    stream = ssl;
                    upgraded(ssl);
                    tls = true;

                    // RFC 3207 §4.2: the session starts over; nothing said before the handshake counts.
                    reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1024, leaveOpen: true);
                    mailFrom = null;
                    rcptTo.Clear();
                    break;
                case "MAIL":
                    mailFrom = line;
                    rcptTo.Clear();
                    await WriteAsync(stream, scripted ?? "250 2.1.0 Ok", cancellationToken);
                    break;
                case "RCPT":
                    scripted ??= "250 2.1.5 Ok";
                    if (scripted.StartsWith('2'))
                    {
                        rcptTo.Add(line);
                    }

                    await WriteAsync(stream, scripted, cancellationToken);
                    break;
                case "DATA":
                    await WriteAsync(stream, "354 End data with <CR><LF>.<CR><LF>", cancellationToken);
                    var content = new StringBuilder();
                    while (await reader.ReadLineAsync(cancellationToken) is { } dataLine && dataLine != ".")
                    {
                        // RFC 5321 §4.5.2: a leading dot was doubled by the client.
                        content.Append(dataLine.StartsWith('.') ? dataLine[1..] : dataLine).Append("\r\n");
                    }

                    _messages.Enqueue(new ScriptedMessage(mailFrom ?? string.Empty, [.. rcptTo], content.ToString()));
                    await WriteAsync(stream, scripted ?? "250 2.0.0 Ok: queued", cancellationToken);
                    break;
                case "RSET":
                case "NOOP":
                    await WriteAsync(stream, scripted ?? "250 2.0.0 Ok", cancellationToken);
                    break;
                case "QUIT":
                    await WriteAsync(stream, scripted ?? $"221 2.0.0 {_script.Hostname} Bye", cancellationToken);
                    return;
                default:
                    await WriteAsync(stream, scripted ?? "500 5.5.2 Error: command not recognized", cancellationToken);
                    break;
            }

            if ((scripted ?? string.Empty).StartsWith("421", StringComparison.Ordinal))
            {
                return;
            }
        }
    }

    private static async Task WriteAsync(Stream stream, string reply, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }
}
