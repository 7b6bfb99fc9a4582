// What `herald sendmail` does with a parsed command line: read, check and complete the message, then submit it.
using System.Text;
using Herald.Cli.Commands;
using Herald.Cli.Configuration;
using Herald.Cli.Control;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Queue;
using Herald.Queue.Files;
using Herald.Server.Control;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using MimeKit.Utils;

namespace Herald.Cli.Sendmail;

/// <summary>The process around a sendmail run: its standard streams, clock and environment (tests give their own).</summary>
internal sealed record SendmailContext(Stream Input, Stream Output, TextWriter Error, TimeProvider Time, Func<string, string?> Environment)
{
    /// <summary>The invoking user, for the Received header and the default sender: $USER, $LOGNAME, else the account name.</summary>
    public string User
    {
        get
        {
            string name = Environment("USER") ?? Environment("LOGNAME") ?? System.Environment.UserName;
            return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') ? name : "nobody";
        }
    }
}

internal static class SendmailRunner
{
    public static async Task<int> RunAsync(SendmailArguments arguments, HeraldSettings settings, SendmailContext context, CancellationToken cancellationToken)
    {
        switch (arguments.Mode)
        {
            case SendmailMode.NewAliases:
                // Herald has no alias database; scripts that run newaliases after an install must not fail.
                return ExitCodes.Ok;
            case SendmailMode.Smtp:
                return await LocalSmtpSession.RunAsync(settings, context, await ServerRunningAsync(settings, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            default:
                break;
        }

        string localDomain = new LocalDomains(settings.Policy.LocalDomains).Primary;
        var addresses = new SendmailAddresses(localDomain);
        var recipients = new List<Mailbox>();
        foreach (string argument in arguments.Recipients)
        {
            if (!addresses.TryAddList(argument, recipients, out string? bad))
            {
                return await FailAsync(context, ExitCodes.DataError, $"'{bad}' is not a valid address; nothing was sent").ConfigureAwait(false);
            }
        }

        Mailbox? sender;
        if (arguments.Sender is { } given)
        {
            if (!addresses.TryParseSender(given, out sender))
            {
                return await FailAsync(context, ExitCodes.DataError, $"-f '{given}' is not a valid sender address; nothing was sent").ConfigureAwait(false);
            }
        }
        else if (!addresses.TryMailbox(context.User, out sender))
        {
            sender = new Mailbox("postmaster", localDomain);
        }

        if (recipients.Count == 0 && !arguments.ExtractRecipients)
        {
            return await FailAsync(context, ExitCodes.Usage, "no recipients: name them as arguments, or use -t to take them from the To, Cc and Bcc headers").ConfigureAwait(false);
        }

        MessageDraft? draft = await MessageDraft.ReadAsync(context.Input, arguments.IgnoreDots, settings.Server.Limits.MaxMessageSize, cancellationToken).ConfigureAwait(false);
        if (draft is null)
        {
            return await FailAsync(context, ExitCodes.DataError, $"the message is larger than Limits:MaxMessageSize ({settings.Server.Limits.MaxMessageSize} octets); nothing was sent").ConfigureAwait(false);
        }

        if (arguments.ExtractRecipients)
        {
            // RFC 5322 §3.6.6: when Resent- fields are present the message is being re-sent, and they name its recipients.
            string[] names = draft.Header.Any(f => f.Is("Resent-To") || f.Is("Resent-Cc") || f.Is("Resent-Bcc"))
                ? ["Resent-To", "Resent-Cc", "Resent-Bcc"]
                : ["To", "Cc", "Bcc"];
            foreach (HeaderField field in draft.Header.Where(f => names.Any(f.Is)))
            {
                if (!addresses.TryAddList(field.Value, recipients, out string? bad))
                {
                    return await FailAsync(context, ExitCodes.DataError, $"{field.Name}: '{bad}' is not a valid address; nothing was sent").ConfigureAwait(false);
                }
            }

            if (recipients.Count == 0)
            {
                return await FailAsync(context, ExitCodes.Usage, "no recipients: the To, Cc and Bcc headers name none, and none were given as arguments").ConfigureAwait(false);
            }
        }

        // RFC 5322 §3.6.3: Bcc recipients are not shown to the others. This is the last place that knows the
        // field is there, so it goes whether or not -t read recipients from it.
        draft.Header.RemoveAll(f => f.Is("Bcc") || f.Is("Resent-Bcc"));
        Complete(draft, arguments, sender, context.User, localDomain, settings.Server.Hostname, context.Time);

        var submission = new Submission(sender, recipients, draft);
        if (await ServerRunningAsync(settings, cancellationToken).ConfigureAwait(false) && SmtpSubmission.EndpointOf(settings.Server) is { } endpoint)
        {
            byte[] content = draft.Build(ReceivedHeader(settings.Server.Hostname, context.User, null, recipients, context.Time));
            SubmissionResult result = await SmtpSubmission.SubmitAsync(
                endpoint, settings.Server.Hostname, sender, recipients, content, draft.HasEightBitData, context.Time, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode is { } code)
            {
                if (code != ExitCodes.Ok)
                {
                    return await FailAsync(context, code, result.Message!).ConfigureAwait(false);
                }

                if (arguments.Verbose)
                {
                    await context.Error.WriteLineAsync($"herald sendmail: submitted to the running server: {result.Message}").ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            }

            // Nothing was begun (the server is draining, in maintenance or gone): the queue directory keeps the
            // message safe, and the next start of the server delivers it.
            await context.Error.WriteLineAsync($"herald sendmail: {result.Message}; the message goes to the queue directory instead and is delivered when herald serve next starts").ConfigureAwait(false);
        }

        return await QueueAsync(settings, submission, arguments.Verbose, context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A server runs on this data directory when its control socket answers.</summary>
    internal static async Task<bool> ServerRunningAsync(HeraldSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            ControlResponse response = await ControlClient.SendAsync(settings.DataDirectory, new ControlRequest("status"), linked.Token).ConfigureAwait(false);
            return response.Ok;
        }
        catch (Exception e) when (e is ControlChannelException or IOException or System.Net.Sockets.SocketException or System.Text.Json.JsonException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>Writes the message into the queue directory, durable (fsynced) before this returns 0.</summary>
    private static async Task<int> QueueAsync(HeraldSettings settings, Submission submission, bool verbose, SendmailContext context, CancellationToken cancellationToken)
    {
        var envelope = new Envelope(
            submission.Sender,
            submission.Recipients,
            new MailParameters
            {
                Body = submission.Message.HasEightBitData ? BodyType.EightBitMime : BodyType.SevenBit,
                SmtpUtf8 = submission.Sender?.RequiresSmtpUtf8 == true || submission.Recipients.Any(r => r.RequiresSmtpUtf8),
            },
            new ClientInfo("127.0.0.1", "localhost"),
            context.Time.GetUtcNow());
        try
        {
            using FileQueueStore queue = FileQueueStore.OpenForSubmission(new QueueStoreOptions(settings.QueueDirectory), context.Time, NullLogger<FileQueueStore>.Instance);
            await using IMessageWriter writer = await queue.CreateAsync(envelope, cancellationToken).ConfigureAwait(false);
            byte[] content = submission.Message.Build(ReceivedHeader(settings.Server.Hostname, context.User, writer.Id.Value, submission.Recipients, context.Time));
            await writer.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (verbose)
            {
                await context.Error.WriteLineAsync($"herald sendmail: queued as {writer.Id} in {settings.QueueDirectory}; delivered when herald serve next starts").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return await FailAsync(context, ExitCodes.TempFail, $"cannot write the queue at '{settings.QueueDirectory}': {e.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>Adds the From, Date and Message-ID fields a message must have (RFC 5322 §3.6) when the program left them out.</summary>
    private static void Complete(MessageDraft draft, SendmailArguments arguments, Mailbox? sender, string user, string localDomain, string hostname, TimeProvider time)
    {
        if (!draft.Header.Any(f => f.Is("From")))
        {
            string address = sender?.ToString() ?? $"{user}@{localDomain}";
            string from = string.IsNullOrWhiteSpace(arguments.FullName)
                ? address
                : new MailboxAddress(arguments.FullName.Trim(), address).ToString(FormatOptions.Default, encode: true);
            draft.Header.Add(new HeaderField("From", "From: " + from));
        }

        if (!draft.Header.Any(f => f.Is("Date")))
        {
            draft.Header.Add(new HeaderField("Date", "Date: " + DateUtils.FormatDate(time.GetLocalNow())));
        }

        if (!draft.Header.Any(f => f.Is("Message-ID")))
        {
            draft.Header.Add(new HeaderField("Message-ID", $"Message-ID: <{MimeUtils.GenerateMessageId(hostname)}>"));
        }
    }

    /// <summary>
    /// The trace field of a local submission (RFC 5321 §4.4), in the local style: no client host, the user
    /// who ran the program instead. <c>for</c> is given only for a single recipient, as the server does.
    /// </summary>
    internal static string ReceivedHeader(string hostname, string user, string? queueId, IReadOnlyList<Mailbox> recipients, TimeProvider time)
    {
        var builder = new StringBuilder("Received: by ").Append(hostname).Append(" (Herald, from user ").Append(user).Append(')');
        if (queueId is not null)
        {
            builder.Append("\r\n\tid ").Append(queueId);
        }

        if (recipients.Count == 1)
        {
            builder.Append("\r\n\tfor <").Append(recipients[0]).Append('>');
        }

        return builder.Append("; ").Append(DateUtils.FormatDate(time.GetLocalNow())).Append("\r\n").ToString();
    }

    private static async Task<int> FailAsync(SendmailContext context, int exitCode, string message)
    {
        await context.Error.WriteLineAsync("herald sendmail: " + message).ConfigureAwait(false);
        return exitCode;
    }

    private sealed record Submission(Mailbox? Sender, IReadOnlyList<Mailbox> Recipients, MessageDraft Message);
}
