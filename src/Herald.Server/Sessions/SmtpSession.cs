// One SMTP session: reads commands and message data from a connection and answers each in order.
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Herald.Policy;
using Herald.Protocol.Commands;
using Herald.Protocol.Replies;
using Herald.Server.Admission;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Sessions;

/// <summary>
/// The life of one connection. Replies to a pipelined group are written in order and flushed
/// together before the session waits for more input (RFC 2920 §3.1). Time limits are deadlines
/// enforced by cancelling the pending read, so a stalled or trickling client is cut off on time.
/// </summary>
internal sealed partial class SmtpSession : IAsyncDisposable, IIdleSession
{
    private readonly SessionServices _services;
    private readonly Stream _network;
    private Stream _stream;
    private PipeReader _input;
    private PipeWriter _output;
    private readonly ITimer _deadlineTimer;
    private readonly Lock _deadlineLock = new();
    private readonly SmtpTransaction _transaction = new();
    private readonly string _hostname;

    private SessionState _state = SessionState.Connected;
    private MessageReception? _reception;
    private bool _skippingLongLine;
    private bool _helloWasEhlo;
    private bool _startTlsPending;
    private AuthExchange? _auth;
    private ChunkReception? _chunks;
    private long _lastChunkSize;
    private int _errors;
    private DateTimeOffset _deadline;
    private DateTimeOffset _lastCommandAt;
    private volatile bool _evicted;
    private volatile bool _timedOut;
    private volatile bool _shutdownRequested;

    public SmtpSession(SessionServices services, Stream stream, IPEndPoint remote)
    {
        _services = services;
        _network = stream;
        _stream = stream;
        _hostname = services.Options.Hostname;
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
        Remote = remote;
        Client = new ClientContext(remote.Address, services.TrustedNetworks.Contains(remote.Address));
        _lastCommandAt = services.Time.GetUtcNow();
        _deadlineTimer = services.Time.CreateTimer(static state => ((SmtpSession)state!).OnDeadline(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public IPEndPoint Remote { get; }

    public ClientContext Client { get; }

    /// <summary>True once the connection is inside TLS (STARTTLS or an implicit-TLS listener).</summary>
    public bool IsTls { get; private set; }

    /// <summary>True while a message is being received: at shutdown it is given time to finish.</summary>
    public bool IsReceivingMessage => _reception is not null || _chunks is { Remaining: > 0 };

    private ILogger Log => _services.Logger;

    private string ClientAddress => Remote.Address.IsIPv4MappedToIPv6 ? Remote.Address.MapToIPv4().ToString() : Remote.Address.ToString();

    /// <summary>
    /// Asks the session to end: an idle session is told 421 at once; one receiving a message finishes
    /// it (stored, 250) and then gets the 421.
    /// </summary>
    public void RequestShutdown()
    {
        _shutdownRequested = true;
        if (!IsReceivingMessage)
        {
            _input.CancelPendingRead();
        }
    }

    /// <summary>Runs the session to its end. <paramref name="abort"/> ends it at once (shutdown past the grace period).</summary>
    public async Task RunAsync(CancellationToken abort)
    {
        try
        {
            if (_services.Listener.ImplicitTls && !await UpgradeToTlsAsync(abort).ConfigureAwait(false))
            {
                return;
            }

            if (await GreetAsync(abort).ConfigureAwait(false))
            {
                await ReadLoopAsync(abort).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Past the grace period: whatever was being received is dropped, never acknowledged.
            await DropReceptionAsync("shutdown deadline passed").ConfigureAwait(false);
            await TryWriteFinalAsync(SmtpReplies.ShuttingDown.Render(_hostname)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            await DropReceptionAsync("connection lost").ConfigureAwait(false);
            Log.LogInformation("client={Client} connection lost: {Reason}", ClientAddress, e.Message);
        }
        finally
        {
            await DropReceptionAsync("session ended").ConfigureAwait(false);
        }
    }

    private async Task<bool> GreetAsync(CancellationToken abort)
    {
        if (!_services.AcceptsMail)
        {
            // RFC 7504 §3: a host that never accepts mail says 521 and should close.
            SmtpReply noMail = SmtpReplies.DoesNotAcceptMail.Render(_hostname);
            RecordRefusal(noMail, "no-mail");
            _services.Metrics.ConnectionRefused(_services.Listener.Name, noMail, "no-mail");
            Write(noMail);
            ResetCommandDeadline();
            await _output.FlushAsync(abort).ConfigureAwait(false);
            return _services.Options.NoMail.KeepOpen;
        }

        if (_services.Options.Smtp.RejectEarlyTalkers && await TalksBeforeGreetingAsync(abort).ConfigureAwait(false))
        {
            SmtpReply early = SmtpReplies.TalkedBeforeGreeting.Render(_hostname);
            RecordRefusal(early, "early-talker");
            _services.Metrics.ConnectionRefused(_services.Listener.Name, early, "early-talker");
            Write(early);
            await _output.FlushAsync(abort).ConfigureAwait(false);
            return false;
        }

        Write(SmtpReplies.Greeting.Render(_hostname));
        _services.Metrics.ConnectionAccepted(_services.Listener.Name);
        ResetCommandDeadline();
        await _output.FlushAsync(abort).ConfigureAwait(false);
        return true;
    }

    /// <summary>Waits the greeting delay, then says whether the client has sent anything yet.</summary>
    private async Task<bool> TalksBeforeGreetingAsync(CancellationToken abort)
    {
        TimeSpan delay = _services.Options.Smtp.GreetingDelay;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _services.Time, abort).ConfigureAwait(false);
        }

        // Looks at the socket without reading, so a well-behaved client loses nothing. (On an implicit-TLS
        // listener the handshake has already made the client wait its turn.)
        return _stream is System.Net.Sockets.NetworkStream { DataAvailable: true };
    }

    private async Task ReadLoopAsync(CancellationToken abort)
    {
        while (true)
        {
            ArmDeadline();
            ReadResult result = await _input.ReadAsync(abort).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            bool close;
            if (result.IsCanceled)
            {
                _input.AdvanceTo(buffer.Start);
                close = await HandleInterruptAsync().ConfigureAwait(false);
            }
            else
            {
                (ReadOnlySequence<byte> rest, close) = await ProcessAsync(buffer, abort).ConfigureAwait(false);
                _input.AdvanceTo(rest.Start, buffer.End);
                if (!close && result.IsCompleted)
                {
                    // The client went away without QUIT; a half-received message is dropped.
                    await DropReceptionAsync("client disconnected during DATA").ConfigureAwait(false);
                    await _output.FlushAsync(abort).ConfigureAwait(false);
                    return;
                }
            }

            FlushResult flushed = await _output.FlushAsync(abort).ConfigureAwait(false);
            if (flushed.IsCanceled && !_timedOut)
            {
                // Cancelled by a deadline that turned out not to have passed: the replies are still due.
                flushed = await _output.FlushAsync(abort).ConfigureAwait(false);
            }

            if (close || flushed.IsCanceled || flushed.IsCompleted)
            {
                return;
            }

            if (_startTlsPending && !await UpgradeToTlsAsync(abort).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Handles everything complete in <paramref name="buffer"/>; returns the undecided rest.</summary>
    private async ValueTask<(ReadOnlySequence<byte> Remaining, bool Close)> ProcessAsync(ReadOnlySequence<byte> buffer, CancellationToken abort)
    {
        while (true)
        {
            if (_chunks is { Remaining: > 0 } chunks)
            {
                buffer = await chunks.ReceiveAsync(buffer, abort).ConfigureAwait(false);
                if (chunks.Remaining > 0)
                {
                    return (buffer, false);
                }

                if (await FinishChunkAsync(abort).ConfigureAwait(false))
                {
                    return (buffer, true);
                }

                continue;
            }

            if (_reception is not null)
            {
                (bool completed, SequencePosition consumed) = await _reception.ReceiveAsync(buffer, abort).ConfigureAwait(false);
                buffer = buffer.Slice(consumed);
                if (!completed)
                {
                    return (buffer, false);
                }

                await FinishMessageAsync(abort).ConfigureAwait(false);
                if (_shutdownRequested)
                {
                    Write(SmtpReplies.ShuttingDown.Render(_hostname));
                    return (buffer, true);
                }

                continue;
            }

            if (_shutdownRequested && _chunks is null)
            {
                Write(SmtpReplies.ShuttingDown.Render(_hostname));
                return (buffer, true);
            }

            if (_auth is not null)
            {
                if (!CommandLine.TryRead(ref buffer, AuthLineLimit, out ReadOnlySequence<byte> line, out _, out bool tooLong))
                {
                    return (buffer, false);
                }

                _skippingLongLine = tooLong;
                ResetCommandDeadline();
                string text = tooLong ? string.Empty : System.Text.EncodingExtensions.GetString(System.Text.Encoding.ASCII, line);
                if (await ContinueAuthAsync(tooLong ? new AuthStep.Malformed() : _auth.Next(text), abort).ConfigureAwait(false))
                {
                    return (buffer, true);
                }

                continue;
            }

            if (_skippingLongLine)
            {
                if (!CommandLine.TrySkipRestOfLine(ref buffer))
                {
                    return (buffer, false);
                }

                _skippingLongLine = false;
                continue;
            }

            if (!_services.Parser.TryParse(ref buffer, out CommandParseResult parsed, out bool skipRest))
            {
                return (buffer, false);
            }

            _skippingLongLine = skipRest;
            ResetCommandDeadline();
            if (await ExecuteAsync(parsed, abort).ConfigureAwait(false))
            {
                return (buffer, true);
            }

            if (_startTlsPending)
            {
                // RFC 3207 §4 and CVE-2011-0411: whatever the client sent after STARTTLS in the clear is
                // discarded, never executed inside TLS.
                return (buffer.Slice(buffer.End), false);
            }

            // 10,000 pipelined commands must not pile up 10,000 replies in memory.
            if (_output.UnflushedBytes > 64 * 1024)
            {
                await _output.FlushAsync(abort).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A read was cancelled by the deadline timer or by shutdown.</summary>
    private async ValueTask<bool> HandleInterruptAsync()
    {
        if (_timedOut && _services.Time.GetUtcNow() < CurrentDeadline)
        {
            // A timer that fired for an earlier deadline while the session was busy; the current one stands.
            _timedOut = false;
        }

        if (_timedOut)
        {
            bool inData = IsReceivingMessage;
            await DropReceptionAsync("data timeout").ConfigureAwait(false);
            SmtpReply reply = SmtpReplies.Timeout.Render(_hostname);
            RecordRefusal(reply, inData ? "data-timeout" : "command-timeout");
            Write(reply);
            return true;
        }

        if (_shutdownRequested && !IsReceivingMessage)
        {
            Write(SmtpReplies.ShuttingDown.Render(_hostname));
            return true;
        }

        if (_evicted && !IsReceivingMessage)
        {
            // Every slot was taken and this session had been idle the longest: it makes room for a new one.
            SmtpReply reply = SmtpReplies.Timeout.Render(_hostname);
            RecordRefusal(reply, "evicted-idle");
            _services.Metrics.SessionEvicted(_services.Listener.Name);
            Write(reply);
            return true;
        }

        _evicted = false;
        return false;
    }

    /// <summary>RFC 4954 §4: an AUTH response line may be up to 12288 octets.</summary>
    private const int AuthLineLimit = 12288;

    /// <summary>
    /// Replaces the transport with TLS. The pipes over the clear-text stream are completed (dropping any
    /// bytes they had read ahead) and new ones are made over the TLS stream. After STARTTLS the session
    /// starts over: the client must say EHLO again (RFC 3207 §4.2).
    /// </summary>
    private async Task<bool> UpgradeToTlsAsync(CancellationToken abort)
    {
        _startTlsPending = false;
        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.CompleteAsync().ConfigureAwait(false);
        var tls = new SslStream(_network, leaveInnerStreamOpen: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
        timeout.CancelAfter(_services.Options.Limits.CommandTimeout);
        try
        {
            await tls.AuthenticateAsServerAsync(_services.Tls!.ServerOptions(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
        {
            Log.LogInformation("client={Client} TLS handshake failed: {Reason}", ClientAddress, e.Message);
            _services.Metrics.TlsHandshake(_services.Listener.Name, _services.Listener.ImplicitTls, succeeded: false);
            await tls.DisposeAsync().ConfigureAwait(false);
            return false;
        }

        _stream = tls;
        _input = PipeReader.Create(tls, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        _output = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        IsTls = true;
        _services.Metrics.TlsHandshake(_services.Listener.Name, _services.Listener.ImplicitTls, succeeded: true);
        _state = SessionState.Connected;
        _transaction.Clear();
        _helloWasEhlo = false;
        Client.HeloName = null;
        Log.LogInformation("client={Client} TLS {Protocol} {Cipher}", ClientAddress, tls.SslProtocol, tls.NegotiatedCipherSuite);
        return true;
    }

    private void ResetCommandDeadline()
    {
        lock (_deadlineLock)
        {
            _lastCommandAt = _services.Time.GetUtcNow();
            _deadline = _lastCommandAt + _services.CommandTimeout;
        }
    }

    public DateTimeOffset IdleSince
    {
        get
        {
            lock (_deadlineLock)
            {
                return _lastCommandAt;
            }
        }
    }

    public void ShortenCommandTimeout(TimeSpan timeout)
    {
        lock (_deadlineLock)
        {
            if (_lastCommandAt + timeout < _deadline)
            {
                _deadline = _lastCommandAt + timeout;
                _deadlineTimer.Change(TimeUntilDeadline(), Timeout.InfiniteTimeSpan);
            }
        }
    }

    public bool TryEvict()
    {
        if (IsReceivingMessage || _evicted)
        {
            return false;
        }

        _evicted = true;
        _input.CancelPendingRead();
        return true;
    }

    /// <summary>The deadline in force: the message's while one is arriving, else the command timeout's.</summary>
    private DateTimeOffset CurrentDeadline =>
        _chunks is { Remaining: > 0 } chunks ? chunks.Deadline : _reception?.Deadline ?? _deadline;

    private void ArmDeadline()
    {
        lock (_deadlineLock)
        {
            _deadlineTimer.Change(TimeUntilDeadline(), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// The time left until the deadline in force, rounded up to the next millisecond: timers count in
    /// whole milliseconds and can fire a little before the wall clock reaches the deadline.
    /// </summary>
    private TimeSpan TimeUntilDeadline()
    {
        TimeSpan due = CurrentDeadline - _services.Time.GetUtcNow();
        return due > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Math.Ceiling(due.TotalMilliseconds)) : TimeSpan.Zero;
    }

    private void OnDeadline()
    {
        lock (_deadlineLock)
        {
            // The timer can fire early (clock granularity) or for a deadline the session has since moved on
            // (a command arrived meanwhile). Either way the deadline in force has not passed: wait for it.
            TimeSpan due = TimeUntilDeadline();
            if (due > TimeSpan.Zero)
            {
                _deadlineTimer.Change(due, Timeout.InfiniteTimeSpan);
                return;
            }
        }

        _timedOut = true;
        _input.CancelPendingRead();
        _output.CancelPendingFlush();
    }

    private void Write(SmtpReply reply)
    {
        reply.WriteTo(_output);
        _services.Metrics.ReplySent(reply);
    }

    private async ValueTask TryWriteFinalAsync(SmtpReply reply)
    {
        try
        {
            Write(reply);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _output.FlushAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The client is gone or not reading; there is nobody left to tell.
        }
    }

    private async ValueTask DropReceptionAsync(string reason)
    {
        ChunkReception? chunks = _chunks;
        _chunks = null;
        if (chunks is not null)
        {
            await chunks.DiscardAsync().ConfigureAwait(false);
            _transaction.Clear();
            _state = SessionState.Ready;
            if (chunks.QueueId is { } id)
            {
                Log.LogWarning("client={Client} id={QueueId} message discarded: {Reason}", ClientAddress, id, reason);
            }
        }

        MessageReception? reception = _reception;
        _reception = null;
        if (reception is not null)
        {
            await reception.DiscardAsync().ConfigureAwait(false);
            _transaction.Clear();
            _state = SessionState.Ready;
            Log.LogWarning("client={Client} id={QueueId} message discarded: {Reason}", ClientAddress, reception.QueueId, reason);
        }
    }

    /// <summary>Logs a refusal with the policy or limit that decided it, and counts it under that reason.</summary>
    private void RecordRefusal(SmtpReply reply, string policy)
    {
        Log.LogInformation("client={Client} id=- reply=\"{Reply}\" policy={Policy}", ClientAddress, reply, policy);
        _services.Metrics.Refused(policy, reply);
    }

    public async ValueTask DisposeAsync()
    {
        await _deadlineTimer.DisposeAsync().ConfigureAwait(false);
        await DropReceptionAsync("session disposed").ConfigureAwait(false);
        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.CompleteAsync().ConfigureAwait(false);
        if (_stream != _network)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        await _network.DisposeAsync().ConfigureAwait(false);
    }
}
