// The SMTP client: one connection to one host, from greeting to QUIT, on the project's own reply types.
using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Protocol.Replies;

namespace Herald.Delivery.Outbound.Smtp;

/// <summary>What a session needs to know about us.</summary>
internal sealed record SessionSettings(string HeloName, TlsMode Tls, TimeSpan ConnectTimeout, SmtpTimeouts Timeouts);

/// <summary>Where opening a session stopped.</summary>
internal enum OpenStage
{
    Connect,
    Greeting,
    Hello,
    StartTls,
}

/// <summary>The result of <see cref="SmtpClientSession.OpenAsync"/>.</summary>
internal abstract record SessionOpening
{
    private SessionOpening()
    {
    }

    /// <summary>Greeted, EHLO (or HELO) done, TLS started where it was offered and wanted.</summary>
    public sealed record Opened(SmtpClientSession Session) : SessionOpening;

    /// <summary>
    /// No session. <see cref="Reply"/> is the host's reply when <see cref="IsRemote"/>, else our own words
    /// for a connection that failed. <see cref="PushBack"/>: the host refused us in a way that should slow
    /// every delivery to it (RFC 5321 §3.8 421, refused or dropped connection). <see cref="RetryWithoutTls"/>:
    /// an opportunistic TLS handshake failed, so the same address may be tried again in clear text.
    /// </summary>
    public sealed record Failed(SmtpReply Reply, bool IsRemote, OpenStage Stage, bool PushBack, bool RetryWithoutTls = false) : SessionOpening;
}

/// <summary>One message's envelope and content as the client sends it.</summary>
internal sealed record TransactionRequest(
    Mailbox? Sender,
    IReadOnlyList<Mailbox> Recipients,
    long Size,
    bool EightBitMime,
    bool SmtpUtf8,
    Func<Stream> OpenContent)
{
    /// <summary>The sender's RET and ENVID (RFC 3461), passed on when the server offers DSN.</summary>
    public MailParameters Dsn { get; init; } = MailParameters.None;

    /// <summary>NOTIFY and ORCPT, index for index with <see cref="Recipients"/> (or empty), passed on when the server offers DSN.</summary>
    public IReadOnlyList<RecipientParameters> RecipientParameters { get; init; } = [];
}

/// <summary>The reply that decided one recipient: the host's, or our own words when the connection broke.</summary>
internal sealed record RecipientVerdict(SmtpReply Reply, bool IsRemote);

/// <summary>
/// The result of one transaction: a verdict per recipient, in the order of the request, and whether the
/// host pushed back (a 421, or the connection broke) so that its destination state is told.
/// </summary>
internal sealed record TransactionOutcome(IReadOnlyList<RecipientVerdict> Recipients, bool PushBack);

/// <summary>
/// An SMTP client session (RFC 5321) over a socket, with STARTTLS (RFC 3207), PIPELINING (RFC 2920),
/// SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531) and DSN (RFC 3461). Replies are read with
/// <see cref="SmtpReplyReader"/>; every wait has the timeout of RFC 5321 §4.5.3.2 on the given
/// <see cref="TimeProvider"/>. A session can carry several transactions; between them it can sit idle
/// in <see cref="SmtpConnectionPool"/> with a read pending, so that a reply the server sends on its own
/// (an unsolicited 421 before it closes, RFC 5321 §3.8) is seen as such and never taken for the reply to
/// the next command.
/// </summary>
internal sealed class SmtpClientSession : IAsyncDisposable
{
    private const int InitialBuffer = 8 * 1024;

    // Multi-line replies (EHLO) are short; more than this without a complete reply is not SMTP.
    private const int MaxBuffer = 256 * 1024;
    private const int ContentChunk = 64 * 1024;

    private readonly Socket _socket;
    private readonly SessionSettings _settings;
    private readonly TimeProvider _time;
    private Stream _stream;
    private byte[] _buffer = new byte[InitialBuffer];
    private int _start;
    private int _end;
    private Task<int>? _pendingRead;
    private OpenStage _openStage = OpenStage.Greeting;
    private bool _disposed;

    private SmtpClientSession(DeliveryTarget target, Socket socket, SessionSettings settings, TimeProvider time)
    {
        Target = target;
        _socket = socket;
        _settings = settings;
        _time = time;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public DeliveryTarget Target { get; }

    public ServerCapabilities Capabilities { get; private set; } = ServerCapabilities.None;

    /// <summary>The TLS protocol in use after STARTTLS, or null in clear text.</summary>
    public SslProtocols? TlsProtocol { get; private set; }

    /// <summary>Messages accepted (2xx after DATA) on this connection.</summary>
    public int Deliveries { get; private set; }

    /// <summary>False once the connection broke, the server said 421, or the session is in an unknown state.</summary>
    public bool IsUsable { get; private set; } = true;

    /// <summary>
    /// Connects to <paramref name="target"/>, reads the greeting, says EHLO (HELO when EHLO gets a 5xx,
    /// RFC 5321 §4.1.4) and starts TLS per <see cref="SessionSettings.Tls"/>. With <paramref name="avoidTls"/>
    /// STARTTLS is not tried, for the clear-text retry after a failed opportunistic handshake.
    /// </summary>
    public static async Task<SessionOpening> OpenAsync(
        DeliveryTarget target, SessionSettings settings, TimeProvider time, bool avoidTls, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        var socket = new Socket(target.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(target.EndPoint, cancellationToken).AsTask().WaitAsync(settings.ConnectTimeout, time, cancellationToken);
        }
        catch (Exception e) when (e is SocketException or TimeoutException)
        {
            socket.Dispose();
            string why = e is SocketException s ? Describe(s) : "Connection timed out";
            return new SessionOpening.Failed(OutboundReplies.ConnectFailed.Render(target.Display, OutboundReplies.OneLine(why)), IsRemote: false, OpenStage.Connect, PushBack: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var session = new SmtpClientSession(target, socket, settings, time);
        SessionOpening opening;
        try
        {
            opening = await session.GreetAsync(avoidTls, cancellationToken);
        }
        catch (SmtpTransportException e)
        {
            opening = new SessionOpening.Failed(e.ToReply(target.Display), IsRemote: false, session._openStage, PushBack: true);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }

        if (opening is SessionOpening.Failed)
        {
            await session.DisposeAsync();
        }

        return opening;
    }

    /// <summary>
    /// Sends one transaction: MAIL, every RCPT and DATA (in one group under PIPELINING, RFC 2920 §3.1),
    /// then the dot-stuffed content. Every recipient gets a verdict: the reply to its RCPT when that was
    /// not 2xx, else the reply that ended the transaction (to MAIL, DATA or the final "."). A 421 at any
    /// point, or a broken connection, gives every recipient not yet accepted that reply (RFC 5321 §3.8).
    /// </summary>
    public async Task<TransactionOutcome> SendAsync(TransactionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsUsable)
        {
            throw new InvalidOperationException("The session is no longer usable.");
        }

        int count = request.Recipients.Count;
        var verdicts = new RecipientVerdict?[count];
        var accepted = new List<int>(count);
        bool pipelining = Capabilities.Pipelining;
        string mail = MailCommand(request);
        SmtpTimeouts timeouts = _settings.Timeouts;
        Task? pipelinedWrite = null;
        string stage = "sending MAIL FROM";
        try
        {
            if (pipelining)
            {
                // RFC 2920 §3.1: MAIL, the RCPTs and DATA go in one group; the replies come back in order.
                var group = new StringBuilder(mail).Append("\r\n");
                for (int i = 0; i < count; i++)
                {
                    group.Append(RcptCommand(request, i)).Append("\r\n");
                }

                group.Append("DATA\r\n");

                // Written while the replies are read, so a long group cannot deadlock against a server
                // that stops reading until its replies are taken (RFC 2920 §3.1, last paragraph).
                pipelinedWrite = WriteAsync(Encoding.UTF8.GetBytes(group.ToString()), timeouts.Command, stage, cancellationToken);
            }
            else
            {
                await WriteLineAsync(mail, timeouts.Command, stage, cancellationToken);
            }

            SmtpReply mailReply = await ReadReplyAsync(timeouts.Command, "waiting for the reply to MAIL FROM", cancellationToken);
            if (IsClosing(mailReply))
            {
                return Closing(verdicts, mailReply, remote: true);
            }

            for (int i = 0; i < count && (pipelining || mailReply.IsPositive); i++)
            {
                stage = "sending RCPT TO";
                if (!pipelining)
                {
                    await WriteLineAsync(RcptCommand(request, i), timeouts.Command, stage, cancellationToken);
                }

                SmtpReply rcptReply = await ReadReplyAsync(timeouts.Command, "waiting for the reply to RCPT TO", cancellationToken);
                if (IsClosing(rcptReply))
                {
                    return Closing(verdicts, rcptReply, remote: true);
                }

                if (rcptReply.Code.Class == ReplyClass.PositiveCompletion)
                {
                    accepted.Add(i);
                }
                else
                {
                    verdicts[i] = new RecipientVerdict(rcptReply, IsRemote: true);
                }
            }

            SmtpReply? dataReply = null;
            if (pipelining || (mailReply.IsPositive && accepted.Count > 0))
            {
                stage = "sending DATA";
                if (!pipelining)
                {
                    await WriteLineAsync("DATA", timeouts.DataInitiation, stage, cancellationToken);
                }

                dataReply = await ReadReplyAsync(timeouts.DataInitiation, "waiting for the reply to DATA", cancellationToken);
                if (IsClosing(dataReply))
                {
                    return Closing(verdicts, dataReply, remote: true);
                }
            }

            if (pipelinedWrite is not null)
            {
                await pipelinedWrite;
                pipelinedWrite = null;
            }

            if (!mailReply.IsPositive || accepted.Count == 0 || dataReply!.Code.Value != 354)
            {
                // No transaction: the reply to MAIL decides for everyone when it was a refusal (the RCPTs
                // of a pipelined group then only say "need MAIL first"); else the reply to DATA for the
                // accepted ones.
                SmtpReply decisive = !mailReply.IsPositive ? mailReply : dataReply ?? mailReply;
                foreach (int i in accepted)
                {
                    verdicts[i] = new RecipientVerdict(decisive, IsRemote: true);
                }

                if (!mailReply.IsPositive)
                {
                    Array.Fill(verdicts, new RecipientVerdict(mailReply, IsRemote: true));
                }

                if (dataReply?.Code.Value == 354)
                {
                    // RFC 2920 §3.1: DATA accepted with no valid recipient; send an empty message end and ignore its reply.
                    stage = "ending an empty DATA";
                    await WriteAsync(".\r\n"u8.ToArray(), timeouts.DataBlock, stage, cancellationToken);
                    SmtpReply ignored = await ReadReplyAsync(timeouts.DataTermination, "waiting for the reply to an empty DATA", cancellationToken);
                    if (IsClosing(ignored))
                    {
                        return Closing(verdicts, ignored, remote: true);
                    }
                }

                await ResetAsync(cancellationToken);
                return new TransactionOutcome(Finish(verdicts), PushBack: false);
            }

            stage = "sending message body";
            await SendContentAsync(request, cancellationToken);
            SmtpReply final = await ReadReplyAsync(timeouts.DataTermination, "waiting for the reply to the end of data", cancellationToken);
            foreach (int i in accepted)
            {
                verdicts[i] = new RecipientVerdict(final, IsRemote: true);
            }

            if (IsClosing(final))
            {
                IsUsable = false;
                return new TransactionOutcome(Finish(verdicts), PushBack: true);
            }

            if (final.Code.Class == ReplyClass.PositiveCompletion)
            {
                Deliveries++;
            }

            return new TransactionOutcome(Finish(verdicts), PushBack: false);
        }
        catch (SmtpTransportException e)
        {
            IsUsable = false;
            return Closing(verdicts, e.ToReply(Target.Display), remote: false);
        }
        catch (OperationCanceledException)
        {
            // Stopped mid-transaction: the session is in an unknown state and must not be reused.
            IsUsable = false;
            throw;
        }
        catch (ContentUnreadableException e)
        {
            // Mid-DATA there is no way back but to drop the connection: a "." now would send a truncated message.
            IsUsable = false;
            SmtpReply local = OutboundReplies.ContentUnreadable.Render(OutboundReplies.OneLine(e.InnerException?.Message ?? e.Message));
            return new TransactionOutcome(Finish(verdicts, new RecipientVerdict(local, IsRemote: false)), PushBack: false);
        }
        finally
        {
            // A group still being written when the transaction ended early: its failure no longer matters.
            ObserveQuietly(pipelinedWrite);
        }
    }

    /// <summary>
    /// Puts an idle session into the pool's watch: a read is left pending, so anything the server sends
    /// before the next transaction (a 421 before closing, or the close itself) is caught.
    /// </summary>
    public void BeginIdle()
    {
        if (_disposed || !IsUsable || _pendingRead is not null || _start < _end)
        {
            return;
        }

        _start = _end = 0;
        _pendingRead = ReadSomeAsync(CancellationToken.None);
    }

    /// <summary>
    /// Takes an idle session back for a transaction. Not usable when the server sent something or closed
    /// while it was idle; <c>Unsolicited</c> is then the reply it sent, if a whole one came (RFC 5321 §3.8:
    /// a 421 on its own means the server is closing the connection).
    /// </summary>
    public async Task<(bool Usable, SmtpReply? Unsolicited)> TryResumeAsync(CancellationToken cancellationToken)
    {
        if (_disposed || !IsUsable)
        {
            return (false, null);
        }

        if (_pendingRead is { IsCompleted: false } pending && _socket.Poll(0, SelectMode.SelectRead))
        {
            // Bytes (or the close) have reached the socket but the pending read has not run yet: let it,
            // so they are looked at now and not taken for the reply to the next command.
            try
            {
                await pending.WaitAsync(_settings.Timeouts.Command, _time, cancellationToken);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or TimeoutException)
            {
                IsUsable = false;
                return (false, null);
            }
        }

        if (_pendingRead is { IsCompleted: true } read)
        {
            _pendingRead = null;
            if (read.IsCompletedSuccessfully && read.Result > 0)
            {
                _end += read.Result;
            }
            else
            {
                IsUsable = false;
                return (false, null);
            }
        }

        if (_start < _end)
        {
            IsUsable = false;
            SmtpReply? unsolicited = null;
            try
            {
                var buffered = new ReadOnlySequence<byte>(_buffer, _start, _end - _start);
                if (SmtpReplyReader.TryRead(ref buffered, out SmtpReply? reply))
                {
                    unsolicited = reply;
                }
            }
            catch (FormatException)
            {
            }

            return (false, unsolicited);
        }

        return (true, null);
    }

    /// <summary>Says QUIT and waits briefly for the 221 (RFC 5321 §4.1.1.10), then closes.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        if (!_disposed && IsUsable)
        {
            IsUsable = false;
            try
            {
                await WriteLineAsync("QUIT", _settings.Timeouts.Quit, "sending QUIT", cancellationToken);
                await ReadReplyAsync(_settings.Timeouts.Quit, "waiting for the reply to QUIT", cancellationToken);
            }
            catch (Exception e) when (e is SmtpTransportException or OperationCanceledException)
            {
                // The session is over either way.
            }
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        IsUsable = false;
        await _stream.DisposeAsync();
        _socket.Dispose();
        ObserveQuietly(_pendingRead);
    }

    private static bool IsClosing(SmtpReply reply) => reply.Code.Value == 421;

    private static void ObserveQuietly(Task? task) => task?.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);

    private static RecipientVerdict[] Finish(RecipientVerdict?[] verdicts, RecipientVerdict? rest = null)
    {
        var done = new RecipientVerdict[verdicts.Length];
        for (int i = 0; i < verdicts.Length; i++)
        {
            done[i] = verdicts[i] ?? rest ?? throw new InvalidOperationException("A recipient was left without a verdict.");
        }

        return done;
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.TimedOut => "Connection timed out",
        SocketError.HostUnreachable => "No route to host",
        SocketError.NetworkUnreachable => "Network is unreachable",
        _ => e.Message,
    };

    private string MailCommand(TransactionRequest request)
    {
        var mail = new StringBuilder("MAIL FROM:<").Append(request.Sender?.ToString() ?? string.Empty).Append('>');
        if (Capabilities.Size is not null)
        {
            // RFC 1870 §3: the size lets a server refuse at once instead of after the whole transfer.
            mail.Append(" SIZE=").Append(request.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (request.EightBitMime && Capabilities.EightBitMime)
        {
            mail.Append(" BODY=8BITMIME");
        }

        if (request.SmtpUtf8 && Capabilities.SmtpUtf8)
        {
            mail.Append(" SMTPUTF8");
        }

        // RFC 3461 §6.2: a relay passes the DSN parameters on to a server that takes them; to one that does not,
        // it drops them and reports "relayed" itself where the sender asked for success reports.
        if (Capabilities.Dsn && request.Dsn.Return is DsnReturn ret)
        {
            mail.Append(" RET=").Append(DsnParameterValues.Return(ret));
        }

        if (Capabilities.Dsn && request.Dsn.EnvelopeId is { Length: > 0 } envelopeId)
        {
            mail.Append(" ENVID=").Append(Xtext.Encode(envelopeId));
        }

        return mail.ToString();
    }

    private string RcptCommand(TransactionRequest request, int index)
    {
        var rcpt = new StringBuilder("RCPT TO:<").Append(request.Recipients[index]).Append('>');
        if (Capabilities.Dsn && index < request.RecipientParameters.Count)
        {
            RecipientParameters parameters = request.RecipientParameters[index];
            if (parameters.Notify is DsnNotify notify)
            {
                rcpt.Append(" NOTIFY=").Append(DsnParameterValues.Notify(notify));
            }

            if (parameters.OriginalRecipient is { } original)
            {
                rcpt.Append(" ORCPT=").Append(original.ToParameterValue());
            }
        }

        return rcpt.ToString();
    }

    /// <summary>A 421 or a broken connection: every recipient without a verdict gets <paramref name="reply"/>.</summary>
    private TransactionOutcome Closing(RecipientVerdict?[] verdicts, SmtpReply reply, bool remote)
    {
        IsUsable = false;
        var closing = new RecipientVerdict(reply, remote);

        // Recipients refused before the 421 keep their own replies; accepted ones were not delivered yet.
        return new TransactionOutcome(Finish(verdicts, closing), PushBack: true);
    }

    private async Task<SessionOpening> GreetAsync(bool avoidTls, CancellationToken cancellationToken)
    {
        SmtpTimeouts timeouts = _settings.Timeouts;
        SmtpReply greeting = await ReadReplyAsync(timeouts.Greeting, "receiving the initial greeting", cancellationToken);
        if (greeting.Code.Class != ReplyClass.PositiveCompletion)
        {
            // RFC 5321 §3.1: after a 554 greeting the client sends QUIT; a 421 or 521 server closes by itself.
            await QuitQuietlyAsync(greeting, cancellationToken);
            return new SessionOpening.Failed(greeting, IsRemote: true, OpenStage.Greeting, PushBack: IsClosing(greeting));
        }

        _openStage = OpenStage.Hello;
        SessionOpening? hello = await HelloAsync(cancellationToken);
        if (hello is not null)
        {
            return hello;
        }

        if (_settings.Tls == TlsMode.None || avoidTls)
        {
            return new SessionOpening.Opened(this);
        }

        if (!Capabilities.StartTls)
        {
            return _settings.Tls == TlsMode.Required
                ? await FailTlsAsync(OutboundReplies.TlsNotOffered.Render(Target.Display), cancellationToken)
                : new SessionOpening.Opened(this);
        }

        _openStage = OpenStage.StartTls;
        await WriteLineAsync("STARTTLS", timeouts.Command, "sending STARTTLS", cancellationToken);
        SmtpReply ready = await ReadReplyAsync(timeouts.Command, "waiting for the reply to STARTTLS", cancellationToken);
        if (IsClosing(ready))
        {
            return new SessionOpening.Failed(ready, IsRemote: true, OpenStage.StartTls, PushBack: true);
        }

        if (ready.Code.Value != 220)
        {
            // RFC 3207 §4: after a refusal the session goes on; in clear text only when that is allowed.
            return _settings.Tls == TlsMode.Required
                ? await FailTlsAsync(OutboundReplies.TlsFailed.Render(Target.Display, OutboundReplies.OneLine(ready.ToString())), cancellationToken)
                : new SessionOpening.Opened(this);
        }

        // Anything after the 220 arrived in clear text and could have been injected by an attacker on the
        // path (the STARTTLS command injection flaw, CVE-2011-0411): it is thrown away.
        _start = _end = 0;
#pragma warning disable CA5359 // Certificate validation is deliberately off between MTAs: see TlsMode.Opportunistic and TlsMode.Required.
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, AcceptAnyCertificate);
#pragma warning restore CA5359
        try
        {
            var options = new SslClientAuthenticationOptions
            {
                // SNI carries the MX host name; an address literal has none (RFC 6066 §3).
                TargetHost = System.Net.IPAddress.TryParse(Target.Host, out _) ? string.Empty : Target.Host,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            };
            await ssl.AuthenticateAsClientAsync(options, cancellationToken).WaitAsync(timeouts.Command, _time, cancellationToken);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or TimeoutException)
        {
            IsUsable = false;
            string why = e is TimeoutException ? "handshake timed out" : e.Message;
            bool required = _settings.Tls == TlsMode.Required;
            return new SessionOpening.Failed(
                OutboundReplies.TlsFailed.Render(Target.Display, OutboundReplies.OneLine(why)), IsRemote: false, OpenStage.StartTls, PushBack: false, RetryWithoutTls: !required);
        }

        _stream = ssl;
        TlsProtocol = ssl.SslProtocol;

        // RFC 3207 §4.2: what the server said before TLS is forgotten; ask again.
        Capabilities = ServerCapabilities.None;
        return await HelloAsync(cancellationToken) ?? new SessionOpening.Opened(this);
    }

    /// <summary>EHLO, or HELO after a 5xx to EHLO; null when the session may go on.</summary>
    private async Task<SessionOpening?> HelloAsync(CancellationToken cancellationToken)
    {
        SmtpTimeouts timeouts = _settings.Timeouts;
        await WriteLineAsync("EHLO " + _settings.HeloName, timeouts.Command, "sending EHLO", cancellationToken);
        SmtpReply ehlo = await ReadReplyAsync(timeouts.Command, "waiting for the reply to EHLO", cancellationToken);
        if (ehlo.Code.Class == ReplyClass.PositiveCompletion)
        {
            Capabilities = ServerCapabilities.Parse(ehlo);
            return null;
        }

        if (ehlo.IsPermanent)
        {
            // RFC 5321 §3.2: a server that does not know EHLO answers 5xx; fall back to HELO, without extensions.
            await WriteLineAsync("HELO " + _settings.HeloName, timeouts.Command, "sending HELO", cancellationToken);
            SmtpReply helo = await ReadReplyAsync(timeouts.Command, "waiting for the reply to HELO", cancellationToken);
            if (helo.Code.Class == ReplyClass.PositiveCompletion)
            {
                Capabilities = ServerCapabilities.None;
                return null;
            }

            ehlo = helo;
        }

        await QuitQuietlyAsync(ehlo, cancellationToken);
        return new SessionOpening.Failed(ehlo, IsRemote: true, OpenStage.Hello, PushBack: IsClosing(ehlo));
    }

    private async Task<SessionOpening> FailTlsAsync(SmtpReply reply, CancellationToken cancellationToken)
    {
        await QuitQuietlyAsync(reply, cancellationToken);
        return new SessionOpening.Failed(reply, IsRemote: false, OpenStage.StartTls, PushBack: false);
    }

    /// <summary>QUIT after a refusal, unless the reply was a 421 (the server is closing already).</summary>
    private async Task QuitQuietlyAsync(SmtpReply refusal, CancellationToken cancellationToken)
    {
        if (IsClosing(refusal))
        {
            IsUsable = false;
            return;
        }

        try
        {
            await WriteLineAsync("QUIT", _settings.Timeouts.Quit, "sending QUIT", cancellationToken);
            await ReadReplyAsync(_settings.Timeouts.Quit, "waiting for the reply to QUIT", cancellationToken);
        }
        catch (SmtpTransportException)
        {
        }

        IsUsable = false;
    }

    /// <summary>RSET after a transaction that did not complete (RFC 5321 §4.1.1.5), so the connection can be reused.</summary>
    private async Task ResetAsync(CancellationToken cancellationToken)
    {
        await WriteLineAsync("RSET", _settings.Timeouts.Command, "sending RSET", cancellationToken);
        SmtpReply reset = await ReadReplyAsync(_settings.Timeouts.Command, "waiting for the reply to RSET", cancellationToken);
        if (reset.Code.Class != ReplyClass.PositiveCompletion)
        {
            IsUsable = false;
        }
    }

    private async Task SendContentAsync(TransactionRequest request, CancellationToken cancellationToken)
    {
        const string Stage = "sending message body";
        var stuffer = new DotStuffer();
        var output = new ArrayBufferWriter<byte>(ContentChunk + 1024);
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ContentChunk);
        try
        {
            Stream content;
            try
            {
                content = request.OpenContent();
            }
            catch (Exception e) when (e is IOException or KeyNotFoundException or InvalidDataException or UnauthorizedAccessException)
            {
                throw new ContentUnreadableException(e);
            }

            await using (content)
            {
                while (true)
                {
                    int read;
                    try
                    {
                        read = await content.ReadAsync(chunk.AsMemory(0, ContentChunk), cancellationToken);
                    }
                    catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
                    {
                        throw new ContentUnreadableException(e);
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    output.ResetWrittenCount();
                    stuffer.Encode(chunk.AsSpan(0, read), output);
                    await WriteAsync(output.WrittenMemory, _settings.Timeouts.DataBlock, Stage, cancellationToken);
                }
            }

            output.ResetWrittenCount();
            stuffer.Complete(output);
            await WriteAsync(output.WrittenMemory, _settings.Timeouts.DataBlock, Stage, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private Task WriteLineAsync(string line, TimeSpan timeout, string stage, CancellationToken cancellationToken) =>
        WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), timeout, stage, cancellationToken);

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes, TimeSpan timeout, string stage, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken).AsTask().WaitAsync(timeout, _time, cancellationToken);
        }
        catch (TimeoutException e)
        {
            IsUsable = false;
            throw new SmtpTransportException(TransportFailure.Timeout, stage, "no progress", e);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            IsUsable = false;
            throw new SmtpTransportException(TransportFailure.Lost, stage, e.Message, e);
        }
    }

    /// <summary>Reads one whole reply, waiting at most <paramref name="timeout"/> for all of it.</summary>
    private async Task<SmtpReply> ReadReplyAsync(TimeSpan timeout, string stage, CancellationToken cancellationToken)
    {
        DateTimeOffset deadline = _time.GetUtcNow() + timeout;
        while (true)
        {
            if (TryTakeReply(stage, out SmtpReply? reply))
            {
                return reply;
            }

            TimeSpan left = deadline - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                IsUsable = false;
                throw new SmtpTransportException(TransportFailure.Timeout, stage, "no reply");
            }

            await FillAsync(left, stage, cancellationToken);
        }
    }

    private bool TryTakeReply(string stage, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SmtpReply? reply)
    {
        reply = null;
        if (_start == _end)
        {
            return false;
        }

        var buffered = new ReadOnlySequence<byte>(_buffer, _start, _end - _start);
        try
        {
            if (!SmtpReplyReader.TryRead(ref buffered, out reply))
            {
                return false;
            }
        }
        catch (FormatException e)
        {
            IsUsable = false;
            throw new SmtpTransportException(TransportFailure.Protocol, stage, e.Message, e);
        }

        _start = _end - (int)buffered.Length;
        if (_start == _end)
        {
            _start = _end = 0;
        }

        return reply is not null;
    }

    private async Task FillAsync(TimeSpan timeout, string stage, CancellationToken cancellationToken)
    {
        Task<int> read = _pendingRead ??= ReadSomeAsync(CancellationToken.None);
        int count;
        try
        {
            count = await read.WaitAsync(timeout, _time, cancellationToken);
        }
        catch (TimeoutException e)
        {
            IsUsable = false;
            throw new SmtpTransportException(TransportFailure.Timeout, stage, "no reply", e);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            _pendingRead = null;
            IsUsable = false;
            throw new SmtpTransportException(TransportFailure.Lost, stage, e.Message, e);
        }

        _pendingRead = null;
        if (count == 0)
        {
            IsUsable = false;
            throw new SmtpTransportException(TransportFailure.Lost, stage, "connection closed by the server");
        }

        _end += count;
    }

    /// <summary>Starts one read into the free end of the buffer; the buffer is never moved while a read is pending.</summary>
    private Task<int> ReadSomeAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxBuffer)
            {
                IsUsable = false;
                throw new SmtpTransportException(TransportFailure.Protocol, "reading a reply", "reply longer than " + MaxBuffer + " octets");
            }

            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        return _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).AsTask();
    }

    private static bool AcceptAnyCertificate(object sender, System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        System.Security.Cryptography.X509Certificates.X509Chain? chain, SslPolicyErrors errors) => true;

    /// <summary>Our own copy of the message could not be read while sending it.</summary>
    private sealed class ContentUnreadableException(Exception inner) : Exception(inner.Message, inner);
}
