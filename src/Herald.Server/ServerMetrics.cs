// The receiving server's instruments: what every connection and session was told, counted where it is decided.
using System.Diagnostics.Metrics;
using Herald.Protocol.Replies;

namespace Herald.Server;

/// <summary>
/// The <c>Herald.Server</c> meter. Instruments are plain <see cref="System.Diagnostics.Metrics"/>: this library
/// depends on no exporter; <c>herald serve</c> exports them as Prometheus metrics (docs/admin-api.md) and
/// <c>dotnet-counters</c> can read them too. Reply labels are the basic and enhanced code, never the text,
/// so the number of series is bounded by the reply catalog.
/// </summary>
public sealed class ServerMetrics
{
    public const string MeterName = "Herald.Server";

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _refused;
    private readonly UpDownCounter<long> _sessions;
    private readonly Counter<long> _replies;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _messages;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _recipients;
    private readonly Counter<long> _tls;
    private readonly Counter<long> _auth;
    private readonly Counter<long> _evicted;

    /// <param name="meterFactory">The host's factory; null for a meter of its own (a component built without DI).</param>
    public ServerMetrics(IMeterFactory? meterFactory)
    {
        Meter meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _accepted = meter.CreateCounter<long>(
            "herald.smtp.connections.accepted", "{connection}", "Connections greeted with 220, by listener.");
        _refused = meter.CreateCounter<long>(
            "herald.smtp.connections.refused", "{connection}",
            "Connections whose greeting was a refusal (421 not now, 521 never here, 554), by listener, reply code and reason.");
        _sessions = meter.CreateUpDownCounter<long>("herald.smtp.sessions.open", "{session}", "SMTP sessions open now, by listener.");
        _replies = meter.CreateCounter<long>("herald.smtp.replies", "{reply}", "Replies sent, by basic and enhanced code.");
        _refusals = meter.CreateCounter<long>(
            "herald.smtp.refusals", "{reply}", "Refusals decided by a policy or limit, by reason and reply code.");
        _messages = meter.CreateCounter<long>(
            "herald.smtp.accepted.messages", "{message}", "Messages acknowledged with 250 after they were fsynced to the queue.");
        _bytes = meter.CreateCounter<long>("herald.smtp.accepted.bytes", "By", "Octets of the messages acknowledged with 250, as the client sent them (without the Received header added here).");
        _recipients = meter.CreateCounter<long>("herald.smtp.accepted.recipients", "{recipient}", "Recipients of the messages acknowledged with 250.");
        _tls = meter.CreateCounter<long>(
            "herald.smtp.tls.handshakes", "{handshake}", "TLS handshakes as a server, by listener, mode (starttls, implicit) and result (ok, failed).");
        _evicted = meter.CreateCounter<long>(
            "herald.smtp.sessions.evicted", "{session}", "Idle sessions closed with 421 4.4.2 to admit a new connection when every slot was taken, by listener.");
        _auth = meter.CreateCounter<long>(
            "herald.smtp.auth.attempts", "{attempt}", "AUTH exchanges, by mechanism and result (success, failure, aborted, malformed).");
    }

    // Made on first use only: a host that passes its own factory never creates this second meter of the same name.
    private static readonly Lazy<ServerMetrics> Detached = new(() => new ServerMetrics(null));

    /// <summary>For components built without a host (tests, one-shot commands): a meter of its own, made once.</summary>
    internal static ServerMetrics Unexported => Detached.Value;

    internal void ConnectionAccepted(string listener) => _accepted.Add(1, new KeyValuePair<string, object?>("listener", listener));

    /// <param name="reason">The gate or policy that refused, as in the log line: maintenance, drain, max-connections, no-mail, ...</param>
    internal void ConnectionRefused(string listener, SmtpReply reply, string reason)
    {
        if (_refused.Enabled)
        {
            _refused.Add(1, Listener(listener), Code(reply), Enhanced(reply), Reason(reason));
        }
    }

    internal void SessionOpened(string listener) => _sessions.Add(1, Listener(listener));

    internal void SessionEvicted(string listener) => _evicted.Add(1, Listener(listener));

    internal void SessionClosed(string listener) => _sessions.Add(-1, Listener(listener));

    internal void ReplySent(SmtpReply reply)
    {
        if (_replies.Enabled)
        {
            _replies.Add(1, Code(reply), Enhanced(reply));
        }
    }

    internal void Refused(string reason, SmtpReply reply)
    {
        if (_refusals.Enabled)
        {
            _refusals.Add(1, Reason(reason), Code(reply), Enhanced(reply));
        }
    }

    internal void MessageAccepted(string listener, long size, int recipients)
    {
        _messages.Add(1, Listener(listener));
        _bytes.Add(size, Listener(listener));
        _recipients.Add(recipients, Listener(listener));
    }

    internal void TlsHandshake(string listener, bool implicitTls, bool succeeded) =>
        _tls.Add(1, Listener(listener), new("mode", implicitTls ? "implicit" : "starttls"), new("result", succeeded ? "ok" : "failed"));

    /// <param name="result">success, failure (credentials refused), aborted ("*") or malformed.</param>
    internal void AuthAttempt(string mechanism, string result) =>
        _auth.Add(1, new KeyValuePair<string, object?>("mechanism", mechanism), new KeyValuePair<string, object?>("result", result));

    private static KeyValuePair<string, object?> Listener(string name) => new("listener", name);

    private static KeyValuePair<string, object?> Reason(string reason) => new("reason", reason);

    private static KeyValuePair<string, object?> Code(SmtpReply reply) => new("code", CodeText.Of(reply.Code.Value));

    private static KeyValuePair<string, object?> Enhanced(SmtpReply reply) => new("enhanced", reply.Enhanced?.ToString() ?? string.Empty);

    /// <summary>The basic codes as text, made once: a reply is counted on every command.</summary>
    private static class CodeText
    {
        private static readonly string[] Texts = [.. Enumerable.Range(0, 600).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

        public static string Of(int code) => Texts[code];
    }
}
