// The command handlers of a session: each gives exactly one reply from the catalog.
using System.Text;
using Herald.Policy;
using Herald.Policy.Rates;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Protocol.Replies;
using Herald.Queue;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Sessions;

internal sealed partial class SmtpSession
{
    /// <summary>Runs one parsed line; returns true when the session must close.</summary>
    private async ValueTask<bool> ExecuteAsync(CommandParseResult parsed, CancellationToken abort)
    {
        if (parsed.Error is { } error)
        {
            return Refuse(error);
        }

        SmtpCommand command = parsed.Command!;
        if (command is BdatCommand bdat)
        {
            return await BdatAsync(bdat, abort).ConfigureAwait(false);
        }

        if (_chunks is not null && command is RsetCommand or HeloCommand or EhloCommand or QuitCommand)
        {
            await DropReceptionAsync("BDAT transaction reset").ConfigureAwait(false);
        }

        if (!_services.AcceptsMail)
        {
            // NoMail:KeepOpen: everything but QUIT gets 521 (RFC 7504 §3).
            return command is QuitCommand ? Quit() : Reply(SmtpReplies.DoesNotAcceptMail.Render(_hostname));
        }

        if (CommandTable.Refusal(command.Verb, _state) is { } refusal)
        {
            return command is DataCommand && _transaction.RecipientsTried > 0
                ? Refuse(SmtpReplies.NoValidRecipients.Render())
                : Refuse(SmtpReplies.BadSequence.Render(refusal));
        }

        return command switch
        {
            EhloCommand ehlo => Hello(ehlo.Domain, isEhlo: true, EhloReply.Build(
                _hostname, _services.Options.Limits.MaxMessageSize, offerStartTls: _services.Tls is not null && !IsTls, offerAuth: OffersAuth)),
            HeloCommand helo => Hello(helo.Domain, isEhlo: false, SmtpReplies.Helo.Render(_hostname)),
            MailCommand mail => await MailAsync(mail, abort).ConfigureAwait(false),
            RcptCommand rcpt => await RcptAsync(rcpt, abort).ConfigureAwait(false),
            DataCommand => await DataAsync(abort).ConfigureAwait(false),
            RsetCommand => Reset(),
            NoopCommand => Reply(SmtpReplies.Ok.Render()),
            QuitCommand => Quit(),
            // Never say whether a user exists (RFC 5321 §3.5.3 allows 252).
            VrfyCommand => Reply(SmtpReplies.CannotVerify.Render()),
            ExpnCommand => Refuse(SmtpReplies.NotImplemented.Render()),
            HelpCommand => Reply(SmtpReplies.Help.Render()),
            StartTlsCommand => StartTls(),
            AuthCommand auth => await AuthAsync(auth, abort).ConfigureAwait(false),
            _ => Refuse(SmtpReplies.UnknownCommand.Render()),
        };
    }

    private bool Hello(string name, bool isEhlo, SmtpReply reply)
    {
        Client.HeloName = name;
        _helloWasEhlo = isEhlo;
        _transaction.Clear();
        _state = SessionState.Ready;
        return Reply(reply);
    }

    private async ValueTask<bool> MailAsync(MailCommand mail, CancellationToken abort)
    {
        if (_services.Status.Maintenance || _services.Status.Draining)
        {
            // The open transaction was allowed to finish; a new one is not started.
            SmtpReply closing = _services.Status.Draining ? SmtpReplies.ShuttingDown.Render(_hostname) : _services.Status.MaintenanceReply(_hostname);
            RecordRefusal(closing, _services.Status.Draining ? "drain" : "maintenance");
            Write(closing);
            return true;
        }

        if (_services.Listener.RequireAuth && !Client.IsAuthenticated)
        {
            return Refuse(SmtpReplies.AuthenticationRequired.Render());
        }

        if (Client.IsAuthenticated && _services.Options.Submission.RestrictSender && !OwnsSender(mail.ReversePath))
        {
            return Reply(SmtpReplies.SenderNotOwned.Render($"<{mail.ReversePath}>", Client.AuthenticatedAs));
        }

        if (mail.Parameters.Size > _services.Options.Limits.MaxMessageSize)
        {
            return Reply(SmtpReplies.MessageTooBig.Render());
        }

        if (mail.ReversePath is { RequiresSmtpUtf8: true } && !mail.Parameters.SmtpUtf8)
        {
            return Refuse(SmtpReplies.Utf8NotAnnounced.Render($"<{mail.ReversePath}>"));
        }

        PolicyDecision decision = await _services.Restrictions.CheckSenderAsync(Client, mail.ReversePath, abort).ConfigureAwait(false);
        if (decision.Verdict == PolicyVerdict.Reject)
        {
            // A policy refusal answers a well-formed command: it is not an error and does not count.
            RecordRefusal(decision.Reply!, decision.Policy!);
            return Reply(decision.Reply!);
        }

        _transaction.Begin(mail.ReversePath, mail.Parameters);
        _state = SessionState.MailGiven;
        return Reply(SmtpReplies.SenderOk.Render());
    }

    private async ValueTask<bool> RcptAsync(RcptCommand rcpt, CancellationToken abort)
    {
        _transaction.RecipientsTried++;
        Mailbox recipient = rcpt.Recipient.Domain.Length == 0
            ? new Mailbox(rcpt.Recipient.LocalPart, _services.LocalDomains.Primary)
            : rcpt.Recipient;

        if (recipient.RequiresSmtpUtf8 && !_transaction.Parameters.SmtpUtf8)
        {
            return Refuse(SmtpReplies.Utf8NotAnnounced.Render($"<{recipient}>"));
        }

        if (rcpt.Parameters.OriginalRecipient is { } original && !Ascii.IsValid(original.Address) && !_transaction.Parameters.SmtpUtf8)
        {
            // RFC 6533 §3: a utf-8 ORCPT may carry raw UTF-8 only in a session that said SMTPUTF8.
            return Refuse(SmtpReplies.Utf8NotAnnounced.Render("ORCPT=" + original));
        }

        if (_transaction.Recipients.Count >= _services.Options.Limits.MaxRecipients)
        {
            return Reply(SmtpReplies.TooManyRecipients.Render());
        }

        PolicyDecision decision = await _services.Restrictions.CheckRecipientAsync(Client, _transaction.Sender, recipient, abort).ConfigureAwait(false);
        if (decision.Verdict == PolicyVerdict.Reject)
        {
            RecordRefusal(decision.Reply!, decision.Policy!);
            return Reply(decision.Reply!);
        }

        _transaction.AddRecipient(recipient, rcpt.Parameters);
        _state = SessionState.RecipientsGiven;
        return Reply(SmtpReplies.RecipientOk.Render());
    }

    private async ValueTask<bool> DataAsync(CancellationToken abort)
    {
        if (_chunks is not null)
        {
            // RFC 3030 §2: DATA and BDAT do not mix in one transaction.
            return Refuse(SmtpReplies.BadSequence.Render("BDAT transaction in progress"));
        }

        IMessageWriter? writer = await CreateMessageAsync(abort).ConfigureAwait(false);
        if (writer is null)
        {
            return Reply(SmtpReplies.LocalError.Render());
        }

        var reception = new MessageReception(
            writer, _services.Options.Smtp.BareLineFeed, _services.Options.Limits.MaxMessageSize,
            _services.Time.GetUtcNow() + _services.Options.Limits.DataTimeout);
        try
        {
            await reception.WriteHeaderAsync(ReceivedHeaderFor(writer.Id), abort).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await reception.DiscardAsync().ConfigureAwait(false);
            Log.LogError(e, "client={Client} id={QueueId} cannot write the queue file", ClientAddress, writer.Id);
            return Reply(SmtpReplies.LocalError.Render());
        }

        _reception = reception;
        return Reply(SmtpReplies.StartMailInput.Render());
    }

    /// <summary>Opens a queue file for the transaction's envelope; null (logged) when the queue cannot be written.</summary>
    private async ValueTask<IMessageWriter?> CreateMessageAsync(CancellationToken abort)
    {
        var envelope = new Envelope(
            _transaction.Sender,
            [.. _transaction.Recipients],
            _transaction.Parameters,
            new ClientInfo(ClientAddress, Client.HeloName ?? string.Empty, Client.AuthenticatedAs),
            _services.Time.GetUtcNow())
        {
            RecipientParameters = [.. _transaction.RecipientParameters],
        };
        try
        {
            return await _services.Queue.CreateAsync(envelope, abort).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            Log.LogError(e, "client={Client} cannot create a queue file", ClientAddress);
            return null;
        }
    }

    private byte[] ReceivedHeaderFor(QueueId id) => ReceivedHeader.Build(
        Client.HeloName ?? ClientAddress, ClientAddress, _hostname, Protocol(), id.Value, _transaction.Recipients, _services.Time.GetUtcNow());

    /// <summary>
    /// BDAT: the reply comes once the chunk's octets have been read. A refused BDAT (no transaction, no
    /// mail accepted here) still has its octets read and dropped before the refusal.
    /// </summary>
    private async ValueTask<bool> BdatAsync(BdatCommand bdat, CancellationToken abort)
    {
        DateTimeOffset deadline = _services.Time.GetUtcNow() + _services.Options.Limits.DataTimeout;
        SmtpReply? refusal = !_services.AcceptsMail ? SmtpReplies.DoesNotAcceptMail.Render(_hostname)
            : CommandTable.Refusal(SmtpVerb.Bdat, _state) is { } why
                ? (_transaction.RecipientsTried > 0 ? SmtpReplies.NoValidRecipients.Render() : SmtpReplies.BadSequence.Render(why))
                : null;
        if (refusal is null && _chunks is null)
        {
            IMessageWriter? writer = await CreateMessageAsync(abort).ConfigureAwait(false);
            if (writer is null)
            {
                refusal = SmtpReplies.LocalError.Render();
            }
            else
            {
                _chunks = new ChunkReception(writer, _services.Options.Limits.MaxMessageSize);
                await _chunks.WriteHeaderAsync(ReceivedHeaderFor(writer.Id), abort).ConfigureAwait(false);
            }
        }

        _chunks ??= new ChunkReception(null, _services.Options.Limits.MaxMessageSize);
        _chunks.BeginChunk(bdat.Size, bdat.Last, deadline, refusal);
        _lastChunkSize = bdat.Size;
        return bdat.Size == 0 && await FinishChunkAsync(abort).ConfigureAwait(false);
    }

    /// <summary>The octets of one chunk are in; answer it, and at LAST store and acknowledge the message.</summary>
    private async ValueTask<bool> FinishChunkAsync(CancellationToken abort)
    {
        ChunkReception chunks = _chunks!;
        if (chunks.Refusal is { } refusal)
        {
            _chunks = null;
            return Refuse(refusal);
        }

        if (!chunks.Last)
        {
            Write(chunks.TooLarge ? SmtpReplies.MessageTooBig.Render() : SmtpReplies.ChunkReceived.Render(_lastChunkSize));
            return false;
        }

        _chunks = null;
        SmtpReply reply;
        string outcome;
        if (chunks.TooLarge)
        {
            await chunks.DiscardAsync().ConfigureAwait(false);
            (reply, outcome) = (SmtpReplies.MessageTooBig.Render(), "size");
        }
        else
        {
            try
            {
                await chunks.CommitAsync(abort).ConfigureAwait(false);
                (reply, outcome) = (SmtpReplies.Queued.Render(chunks.QueueId), "queued");
            }
            catch (IOException e)
            {
                await chunks.DiscardAsync().ConfigureAwait(false);
                Log.LogError(e, "client={Client} commit failed", ClientAddress);
                (reply, outcome) = (SmtpReplies.LocalError.Render(), "queue-error");
            }
        }

        Log.LogInformation(
            "client={Client} id={QueueId} from=<{Sender}> nrcpt={Recipients} size={Size} reply=\"{Reply}\" policy={Policy}",
            ClientAddress, chunks.QueueId?.Value ?? "-", _transaction.Sender, _transaction.Recipients.Count, chunks.Size, reply, outcome);
        CountMessage(reply, outcome, chunks.Size);
        _transaction.Clear();
        _state = SessionState.Ready;
        ResetCommandDeadline();
        Write(reply);
        if (_shutdownRequested)
        {
            Write(SmtpReplies.ShuttingDown.Render(_hostname));
            return true;
        }

        return false;
    }

    /// <summary>The end-of-data mark arrived: store and acknowledge, or refuse and store nothing.</summary>
    private async ValueTask FinishMessageAsync(CancellationToken abort)
    {
        MessageReception reception = _reception!;
        _reception = null;
        SmtpReply reply;
        string outcome;
        if (reception.TooLarge)
        {
            await reception.DiscardAsync().ConfigureAwait(false);
            (reply, outcome) = (SmtpReplies.MessageTooBig.Render(), "size");
        }
        else if (reception.BareLineEnding is { } bare && _services.Options.Smtp.BareLineFeed == LineEndingPolicy.Reject)
        {
            await reception.DiscardAsync().ConfigureAwait(false);
            reply = bare == LineEnding.BareLf ? SmtpReplies.BareLineFeed.Render() : SmtpReplies.BareCarriageReturn.Render();
            outcome = "bare-line-end";
        }
        else
        {
            try
            {
                await reception.CommitAsync(abort).ConfigureAwait(false);
                (reply, outcome) = (SmtpReplies.Queued.Render(reception.QueueId), "queued");
            }
            catch (IOException e)
            {
                await reception.DiscardAsync().ConfigureAwait(false);
                Log.LogError(e, "client={Client} id={QueueId} commit failed", ClientAddress, reception.QueueId);
                (reply, outcome) = (SmtpReplies.LocalError.Render(), "queue-error");
            }
        }

        Log.LogInformation(
            "client={Client} id={QueueId} from=<{Sender}> nrcpt={Recipients} size={Size} reply=\"{Reply}\" policy={Policy}",
            ClientAddress, reception.QueueId, _transaction.Sender, _transaction.Recipients.Count, reception.Size, reply, outcome);
        CountMessage(reply, outcome, reception.Size);
        _transaction.Clear();
        _state = SessionState.Ready;
        ResetCommandDeadline();
        Write(reply);
    }

    /// <summary>Counts the end of one message: accepted (queued and fsynced) or refused under the outcome's name.</summary>
    private void CountMessage(SmtpReply reply, string outcome, long size)
    {
        if (reply.IsPositive)
        {
            _services.Metrics.MessageAccepted(_services.Listener.Name, size, _transaction.Recipients.Count);
        }
        else
        {
            _services.Metrics.Refused(outcome, reply);
        }
    }

    private bool OffersAuth =>
        _services.Credentials is { HasUsers: true } && (IsTls || _services.Listener.AllowPlaintextAuth);

    private bool StartTls()
    {
        if (IsTls)
        {
            return Refuse(SmtpReplies.BadSequence.Render("TLS already active"));
        }

        if (_services.Tls is null)
        {
            return Reply(SmtpReplies.TlsNotAvailable.Render());
        }

        Write(SmtpReplies.ReadyToStartTls.Render());
        _startTlsPending = true;
        return false;
    }

    private async ValueTask<bool> AuthAsync(AuthCommand auth, CancellationToken abort)
    {
        if (_services.Credentials is null)
        {
            return Refuse(SmtpReplies.NotImplemented.Render());
        }

        if (Client.IsAuthenticated)
        {
            return Refuse(SmtpReplies.BadSequence.Render("already authenticated"));
        }

        if (!IsTls && !_services.Listener.AllowPlaintextAuth)
        {
            return Refuse(SmtpReplies.EncryptionRequired.Render());
        }

        AuthExchange? exchange = AuthExchange.For(auth.Mechanism);
        if (exchange is null)
        {
            return Refuse(SmtpReplies.AuthenticationMechanismUnknown.Render());
        }

        _auth = exchange;
        return await ContinueAuthAsync(exchange.Start(auth.InitialResponse), abort).ConfigureAwait(false);
    }

    /// <summary>Acts on one step of an AUTH exchange; returns true when the session must close.</summary>
    private async ValueTask<bool> ContinueAuthAsync(AuthStep step, CancellationToken abort)
    {
        string mechanism = _auth!.Mechanism;
        switch (step)
        {
            case AuthStep.Challenge challenge:
                return Reply(SmtpReplies.AuthenticationChallenge.Render(challenge.Base64));
            case AuthStep.Aborted:
                _auth = null;
                _services.Metrics.AuthAttempt(mechanism, "aborted");
                return Refuse(SmtpReplies.AuthenticationAborted.Render());
            case AuthStep.Malformed:
                _auth = null;
                _services.Metrics.AuthAttempt(mechanism, "malformed");
                return Refuse(SmtpReplies.AuthenticationMalformed.Render());
        }

        _auth = null;
        var credentials = (AuthStep.Credentials)step;
        bool verified = await _services.Credentials!.VerifyAsync(credentials.User, credentials.Password, abort).ConfigureAwait(false);
        _services.Metrics.AuthAttempt(mechanism, verified ? "success" : "failure");
        if (verified)
        {
            Client.AuthenticatedAs = credentials.User;
            Log.LogInformation("client={Client} authenticated as {User}", ClientAddress, credentials.User);
            return Reply(SmtpReplies.AuthenticationSucceeded.Render());
        }

        SmtpReply invalid = SmtpReplies.AuthenticationInvalid.Render();
        RecordRefusal(invalid, "auth");
        if (await _services.Policy.AuthFailures.RecordFailureAsync(Remote.Address, abort).ConfigureAwait(false) is { } closing)
        {
            Write(invalid);
            RecordRefusal(closing, AuthFailureLimiter.Name);
            Write(closing);
            return true;
        }

        return Refuse(invalid);
    }

    /// <summary>The user's own address: the user name when it is an address, else user@the primary local domain.</summary>
    private bool OwnsSender(Mailbox? sender)
    {
        if (sender is null)
        {
            return false;
        }

        string user = Client.AuthenticatedAs!;
        string own = user.Contains('@', StringComparison.Ordinal) ? user : user + "@" + _services.LocalDomains.Primary;
        return MailboxGrammar.TryParseMailbox(own, out Mailbox? owned)
            && string.Equals(owned!.LocalPart, sender.LocalPart, StringComparison.OrdinalIgnoreCase)
            && string.Equals(LocalDomains.Normalize(owned.Domain), LocalDomains.Normalize(sender.Domain), StringComparison.Ordinal);
    }

    private bool Reset()
    {
        _transaction.Clear();
        if (_state != SessionState.Connected)
        {
            _state = SessionState.Ready;
        }

        return Reply(SmtpReplies.Ok.Render());
    }

    private bool Quit()
    {
        Write(SmtpReplies.Bye.Render(_hostname));
        return true;
    }

    private bool Reply(SmtpReply reply)
    {
        Write(reply);
        return false;
    }

    /// <summary>
    /// A protocol error (syntax, sequence, unknown command, bad AUTH): it counts, and past
    /// <c>HardErrorLimit</c> the session ends with 421 4.7.0. Policy refusals are sent with <see cref="Reply"/>.
    /// </summary>
    private bool Refuse(SmtpReply reply)
    {
        Write(reply);
        if (++_errors < _services.Options.Limits.HardErrorLimit)
        {
            return false;
        }

        SmtpReply tooMany = SmtpReplies.TooManyErrors.Render(_hostname);
        RecordRefusal(tooMany, "hard-error-limit");
        Write(tooMany);
        return true;
    }

    /// <summary>The "with" keyword of the Received header (RFC 3848).</summary>
    private string Protocol()
    {
        // RFC 3848 and RFC 6531 §3.7.3: ESMTP, then S for TLS and A for AUTH; UTF8SMTP for SMTPUTF8.
        string basis = _transaction.Parameters.SmtpUtf8 ? "UTF8SMTP" : _helloWasEhlo ? "ESMTP" : "SMTP";
        return basis == "SMTP" ? basis : basis + (IsTls ? "S" : string.Empty) + (Client.IsAuthenticated ? "A" : string.Empty);
    }
}
