// Hands a message from `herald sendmail` to the running server over SMTP, on its first listener that takes mail.
using System.Net;
using System.Net.Sockets;
using Herald.Cli.Commands;
using Herald.Cli.Smtp;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;
using Herald.Server;

namespace Herald.Cli.Sendmail;

/// <summary>How a submission over SMTP ended.</summary>
/// <param name="ExitCode">The sysexits code; null when the server could not be reached or refused the connection
/// (421 at the greeting) before any transaction began, so the message may go to the queue directory instead.</param>
/// <param name="Message">What to tell the user, or null on success.</param>
internal sealed record SubmissionResult(int? ExitCode, string? Message);

/// <summary>
/// A running server delivers only what it received itself (its delivery engine learns of new messages as
/// its own queue store commits them), so local submission goes through its SMTP listener like any client.
/// All or nothing: when a recipient is refused, the transaction is abandoned and nothing is sent, so the
/// caller's exit code speaks for the whole message.
/// </summary>
internal static class SmtpSubmission
{
    // RFC 5321 §4.5.3.2: 5 minutes for the greeting and each command's reply, 10 for the reply after DATA.
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DataTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The endpoint to submit to: the first listener that takes mail in plain SMTP without AUTH (a submission
    /// listener would answer 530, an implicit-TLS one expects a handshake), a wildcard address read as loopback.
    /// </summary>
    public static IPEndPoint? EndpointOf(ServerOptions server)
    {
        ArgumentNullException.ThrowIfNull(server);
        ListenerOptions? listener = server.EffectiveListeners.FirstOrDefault(l =>
            (l.AcceptMail ?? server.AcceptMail) && !l.ImplicitTls && !l.RequireAuth);
        if (listener is null || !EndpointParser.TryParse(listener.Endpoint, out IPEndPoint? endpoint))
        {
            return null;
        }

        if (endpoint.Address.Equals(IPAddress.Any))
        {
            return new IPEndPoint(IPAddress.Loopback, endpoint.Port);
        }

        return endpoint.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, endpoint.Port) : endpoint;
    }

    public static async Task<SubmissionResult> SubmitAsync(
        IPEndPoint endpoint, string heloName, Mailbox? sender, IReadOnlyList<Mailbox> recipients, byte[] content, bool eightBit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        SmtpConnection connection;
        try
        {
            using var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectTimeout.Token);
            connection = await SmtpConnection.ConnectAsync(endpoint, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new SubmissionResult(null, $"cannot connect to the running server at {endpoint}: {e.Message}");
        }

        await using (connection.ConfigureAwait(false))
        {
            var session = new Dialogue(connection, time, cancellationToken);
            try
            {
                SmtpReply greeting = await session.ReadAsync(CommandTimeout).ConfigureAwait(false);
                if (!greeting.IsPositive)
                {
                    // 421 (maintenance, draining, too many connections): nothing has begun; the queue directory can take it.
                    return greeting.IsTransient
                        ? new SubmissionResult(null, $"the running server at {endpoint} answered {greeting}")
                        : Failed(greeting, $"the running server at {endpoint} answered {greeting}");
                }

                SmtpReply hello = await session.CommandAsync("EHLO " + heloName, CommandTimeout).ConfigureAwait(false);
                string[] extensions = hello.IsPositive ? [.. hello.Lines.Skip(1)] : [];
                if (!hello.IsPositive)
                {
                    return Failed(hello, $"EHLO: {hello}");
                }

                bool utf8 = sender?.RequiresSmtpUtf8 == true || recipients.Any(r => r.RequiresSmtpUtf8);
                if (utf8 && !Offers(extensions, "SMTPUTF8"))
                {
                    return new SubmissionResult(ExitCodes.Unavailable, "the running server does not offer SMTPUTF8, which these addresses need (RFC 6531)");
                }

                // RFC 6152: 8-bit content is declared as such where the server offers 8BITMIME.
                string parameters = (eightBit && Offers(extensions, "8BITMIME") ? " BODY=8BITMIME" : string.Empty) + (utf8 ? " SMTPUTF8" : string.Empty);
                SmtpReply mail = await session.CommandAsync($"MAIL FROM:<{sender}>{parameters}", CommandTimeout).ConfigureAwait(false);
                if (!mail.IsPositive)
                {
                    return await AbandonAsync(session, mail, $"<{sender}>: {mail}").ConfigureAwait(false);
                }

                var refused = new List<(Mailbox Recipient, SmtpReply Reply)>();
                foreach (Mailbox recipient in recipients)
                {
                    SmtpReply rcpt = await session.CommandAsync($"RCPT TO:<{recipient}>", CommandTimeout).ConfigureAwait(false);
                    if (!rcpt.IsPositive)
                    {
                        refused.Add((recipient, rcpt));
                    }
                }

                if (refused.Count > 0)
                {
                    // A permanent refusal decides: the same message will be refused again.
                    SmtpReply decisive = refused.Select(r => r.Reply).OrderByDescending(r => r.IsPermanent).First();
                    return await AbandonAsync(session, decisive, string.Join(Environment.NewLine, refused.Select(r => $"<{r.Recipient}>: {r.Reply}"))).ConfigureAwait(false);
                }

                SmtpReply data = await session.CommandAsync("DATA", CommandTimeout).ConfigureAwait(false);
                if (data.Code.Value != 354)
                {
                    return await AbandonAsync(session, data, $"DATA: {data}").ConfigureAwait(false);
                }

                SmtpReply accepted = await session.DataAsync(content, DataTimeout).ConfigureAwait(false);
                await session.QuitAsync().ConfigureAwait(false);
                return accepted.IsPositive ? new SubmissionResult(ExitCodes.Ok, accepted.ToString()) : Failed(accepted, $"after the message: {accepted}");
            }
            catch (Exception e) when (e is IOException or SocketException or FormatException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return new SubmissionResult(ExitCodes.TempFail, $"the conversation with the running server at {endpoint} failed: {e.Message}");
            }
        }
    }

    private static bool Offers(string[] extensions, string keyword) =>
        extensions.Any(e => e.Equals(keyword, StringComparison.OrdinalIgnoreCase) || e.StartsWith(keyword + " ", StringComparison.OrdinalIgnoreCase));

    private static SubmissionResult Failed(SmtpReply reply, string message) =>
        new(reply.IsTransient ? ExitCodes.TempFail : ExitCodes.Unavailable, message);

    private static async Task<SubmissionResult> AbandonAsync(Dialogue session, SmtpReply decisive, string message)
    {
        await session.QuitAsync().ConfigureAwait(false);
        return Failed(decisive, message);
    }

    /// <summary>Each command with its own deadline on the injected clock.</summary>
    private sealed class Dialogue(SmtpConnection connection, TimeProvider time, CancellationToken cancellationToken)
    {
        public Task<SmtpReply> ReadAsync(TimeSpan timeout) => WithTimeout(timeout, connection.ReadReplyAsync);

        public Task<SmtpReply> CommandAsync(string line, TimeSpan timeout) => WithTimeout(timeout, t => connection.CommandAsync(line, t));

        public Task<SmtpReply> DataAsync(byte[] content, TimeSpan timeout) => WithTimeout(timeout, t => connection.SendDataAsync(content, t));

        /// <summary>RFC 5321 §4.1.1.10; what QUIT gets changes nothing, so a failure here is not one.</summary>
        public async Task QuitAsync()
        {
            try
            {
                await CommandAsync("QUIT", TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or FormatException or OperationCanceledException)
            {
            }
        }

        private async Task<SmtpReply> WithTimeout(TimeSpan timeout, Func<CancellationToken, Task<SmtpReply>> step)
        {
            using var deadline = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            return await step(linked.Token).ConfigureAwait(false);
        }
    }
}
