// Builds RFC 3464 delivery status notifications with MimeKit: words for people, fields for programs, the original.
using System.Globalization;
using System.Text;
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;
using Herald.Protocol.Knowledge;
using Herald.Protocol.Replies;
using Herald.Queue;
using Herald.Queue.Reports;
using MimeKit;
using MimeKit.Utils;

namespace Herald.Bounces;

/// <summary>
/// Writes one <c>multipart/report; report-type=delivery-status</c> message (RFC 6522, RFC 3464): part 1 tells
/// the sender in plain words, English then Arabic, what each remote server said, what it means and what to do
/// (from <see cref="ReplyKnowledge"/>); part 2 is the <c>message/delivery-status</c> fields; part 3 the
/// original header section, or the whole original message for RET=FULL.
/// </summary>
public sealed class DsnBuilder
{
    /// <summary>The display name of the report's From address, as most MTAs write it.</summary>
    public const string DisplayName = "Mail Delivery System";

    private const int TextWidth = 76;
    private const string Indent = "    ";

    private readonly BounceOptions _options;
    private readonly TimeProvider _time;
    private readonly ReplyKnowledge _knowledge;

    public DsnBuilder(BounceOptions options, TimeProvider time)
        : this(options, time, ReplyKnowledge.Default)
    {
    }

    internal DsnBuilder(BounceOptions options, TimeProvider time, ReplyKnowledge knowledge)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(knowledge);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Hostname);
        _options = options;
        _time = time;
        _knowledge = knowledge;
    }

    /// <summary>The Subject of a report on recipients with this action.</summary>
    public static string SubjectFor(ReportAction action) => action switch
    {
        ReportAction.Failed => "Undelivered Mail Returned to Sender",
        ReportAction.Delayed => "Delayed Mail (still being retried)",
        _ => "Successful Mail Delivery Report",
    };

    /// <summary>
    /// What a report returns of the original: the whole message only in a report of failure for a sender who
    /// asked RET=FULL (RFC 3461 §4.3 makes RET a matter of failed DSNs); the header section otherwise, which is
    /// also Herald's default when RET is not given, so that a bounce never carries a large message back unasked.
    /// </summary>
    public static DsnReturn ReturnFor(ReportAction action, Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return action == ReportAction.Failed && envelope.Parameters.Return == DsnReturn.Full ? DsnReturn.Full : DsnReturn.Headers;
    }

    /// <summary>
    /// Builds a report on <paramref name="recipients"/> of <paramref name="message"/>, addressed to <paramref name="to"/>.
    /// </summary>
    /// <remarks>
    /// The sender's DSN parameters come from the envelope: ENVID as Original-Envelope-Id, each recipient's
    /// ORCPT as its Original-Recipient (RFC 3464 §2.2.1, §2.3.1), and RET as <see cref="ReturnFor"/> says.
    /// </remarks>
    /// <param name="original">
    /// The original content from its start (<see cref="IQueueStore.OpenContent"/>). When only the header section is
    /// returned it is read here; when the whole message is, it is read when the report is written, so it must stay
    /// open until then and is never held in memory.
    /// </param>
    public async Task<MimeMessage> BuildAsync(
        QueuedMessage message,
        IReadOnlyList<RecipientReport> recipients,
        Mailbox to,
        Stream original,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(original);
        if (recipients.Count == 0)
        {
            throw new ArgumentException("A report names at least one recipient.", nameof(recipients));
        }

        string host = _options.Hostname;
        ReportAction action = MostSevere(recipients);
        DsnReturn returnContent = ReturnFor(action, message.Envelope);
        DateTimeOffset retryUntil = message.Envelope.ArrivedAt + _options.QueueLifetime;

        var dsn = new MimeMessage();
        dsn.From.Add(new MailboxAddress(DisplayName, "MAILER-DAEMON@" + host));
        dsn.To.Add(new MailboxAddress(string.Empty, to.ToString()));
        dsn.Subject = SubjectFor(action);
        dsn.Date = _time.GetUtcNow();
        dsn.MessageId = MimeUtils.GenerateMessageId(host);

        // RFC 3834 §5: an automatic reply says so, so that responders and vacation programs do not answer it.
        dsn.Headers.Add("Auto-Submitted", "auto-replied");

        MimeEntity returned = returnContent == DsnReturn.Full
            ? FullMessagePart(message, original)
            : await HeadersPartAsync(original, cancellationToken);

        var text = new TextPart("plain") { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        text.SetText(Encoding.UTF8, HumanText(message, recipients, action, retryUntil, returnContent));

        // RFC 6522 §3: the human-readable part first, the machine-readable part second, the original third.
        dsn.Body = new MultipartReport("delivery-status")
        {
            text,
            StatusPart(message, recipients, retryUntil),
            returned,
        };
        return dsn;
    }

    /// <summary>
    /// The Final-Recipient value: <c>rfc822; local@domain</c>, or for an address beyond ASCII the <c>utf-8</c>
    /// type of RFC 6533 §3 in its 7-bit form (<c>\x{HEX}</c> escapes), as a message/delivery-status part is 7-bit.
    /// </summary>
    public static string FinalRecipient(Mailbox recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        string address = recipient.ToString();
        return recipient.RequiresSmtpUtf8 ? "utf-8; " + Utf8AddressXtext(address) : "rfc822; " + address;
    }

    /// <summary>
    /// The Original-Recipient value (RFC 3464 §2.3.1): the ORCPT the sender gave, as <c>type; address</c>, its
    /// characters beyond ASCII in the 7-bit form of RFC 6533 §3 whatever the type, so the field stays 7-bit.
    /// </summary>
    public static string OriginalRecipientField(OriginalRecipient original)
    {
        ArgumentNullException.ThrowIfNull(original);
        return original.AddressType + "; " + (Ascii.IsValid(original.Address) ? OneLine(original.Address) : Utf8AddressXtext(original.Address));
    }

    // RFC 6533 §3 utf-8-addr-xtext: QCHAR is printable ASCII but "+", "=" and "\"; all else is EmbeddedUnicodeChar.
    private static string Utf8AddressXtext(string address)
    {
        var builder = new StringBuilder(address.Length + 16);
        foreach (Rune rune in address.EnumerateRunes())
        {
            if (rune.Value is >= 0x21 and <= 0x7E && rune.Value is not ('+' or '=' or '\\'))
            {
                builder.Append((char)rune.Value);
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{{{rune.Value:X2}}}");
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// A reply as one header-safe line: the lines of a multi-line reply joined by spaces (RFC 3464 §2.3.6 has
    /// no room for line breaks), control characters and non-ASCII octets replaced, the rest exactly as given.
    /// </summary>
    public static string OneLine(string reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        string joined = string.Join(' ', reply.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return string.Create(joined.Length, joined, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                span[i] = c == '\t' ? ' ' : c is < ' ' or > '~' ? '?' : c;
            }
        });
    }

    /// <summary>The MTA name of Remote-MTA (RFC 3464 §2.3.5): the host name without the address that may follow it.</summary>
    internal static string MtaName(string remote)
    {
        string trimmed = remote.Trim();
        int cut = trimmed.IndexOfAny([' ', '\t']);
        if (cut < 0 && !trimmed.StartsWith('[') && trimmed.IndexOf('[', StringComparison.Ordinal) is > 0 and int bracket)
        {
            cut = bracket;
        }

        return cut > 0 ? trimmed[..cut] : trimmed;
    }

    /// <summary>The action a report is about, when it names recipients with several: the one the sender most needs to hear.</summary>
    private static ReportAction MostSevere(IReadOnlyList<RecipientReport> recipients) => recipients.Min(r => r.Action);

    private static string ActionField(ReportAction action) => action switch
    {
        ReportAction.Failed => "failed",
        ReportAction.Delayed => "delayed",
        ReportAction.Relayed => "relayed",
        _ => "delivered",
    };

    private MessageDeliveryStatus StatusPart(QueuedMessage message, IReadOnlyList<RecipientReport> recipients, DateTimeOffset retryUntil)
    {
        string? originalEnvelopeId = message.Envelope.Parameters.EnvelopeId;
        // RFC 3464 §2.2: the per-message fields, then one group per recipient (§2.3).
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + _options.Hostname },
        };
        if (!string.IsNullOrEmpty(originalEnvelopeId))
        {
            perMessage.Add("Original-Envelope-Id", OneLine(originalEnvelopeId));
        }

        perMessage.Add("Arrival-Date", DateUtils.FormatDate(message.Envelope.ArrivedAt));
        var groups = new List<HeaderList> { perMessage };

        foreach (RecipientReport report in recipients)
        {
            // RFC 3464 §2.3.1: Original-Recipient, when the sender gave ORCPT, comes before Final-Recipient.
            var group = new HeaderList();
            if (ParametersOf(message.Envelope, report.Recipient).OriginalRecipient is { } original)
            {
                group.Add("Original-Recipient", OriginalRecipientField(original));
            }

            group.Add("Final-Recipient", FinalRecipient(report.Recipient));
            group.Add("Action", ActionField(report.Action));
            group.Add("Status", report.Status);
            if (!string.IsNullOrWhiteSpace(report.RemoteMta))
            {
                group.Add("Remote-MTA", "dns; " + MtaName(report.RemoteMta));
            }

            if (!string.IsNullOrWhiteSpace(report.Diagnostic))
            {
                group.Add("Diagnostic-Code", "smtp; " + OneLine(report.Diagnostic));
            }

            group.Add("Last-Attempt-Date", DateUtils.FormatDate(report.LastAttempt));
            if (report.Action == ReportAction.Delayed)
            {
                group.Add("Will-Retry-Until", DateUtils.FormatDate(retryUntil));
            }

            groups.Add(group);
        }

        // RFC 3464 §2.1: the groups are separated by blank lines, with none after the last. (MimeKit's own
        // StatusGroups writer ends every group with one, which readers then see as an empty last group.)
        var content = new MemoryStream();
        FormatOptions format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        foreach (HeaderList group in groups)
        {
            // HeaderList ends what it writes with the blank line that closes a header section.
            group.WriteTo(format, content);
        }

        content.SetLength(content.Length - 2);
        content.Position = 0;
        return new MessageDeliveryStatus { Content = new MimeContent(content), ContentTransferEncoding = ContentEncoding.SevenBit };
    }

    /// <summary>
    /// The RCPT parameters a recipient came with. A transaction keeps one copy of each recipient (RFC 5321 §3.3),
    /// so its address finds it.
    /// </summary>
    private static RecipientParameters ParametersOf(Envelope envelope, Mailbox recipient)
    {
        for (int i = 0; i < envelope.Recipients.Count; i++)
        {
            if (envelope.Recipients[i] == recipient)
            {
                return envelope.ParametersOf(i);
            }
        }

        return RecipientParameters.None;
    }

    /// <summary>
    /// The original header section as <c>text/rfc822-headers</c> (RFC 6522 §4), or <c>message/global-headers</c>
    /// when it holds UTF-8 (RFC 6533 §6.3). Only the header section is parsed; the body is never read into memory.
    /// </summary>
    private static async Task<MimePart> HeadersPartAsync(Stream original, CancellationToken cancellationToken)
    {
        HeaderList headers;
        try
        {
            headers = await HeaderList.LoadAsync(ParserOptions.Default, original, cancellationToken);
        }
        catch (FormatException)
        {
            // Content with no header section at all (a broken client): report without one rather than not at all.
            headers = [];
        }

        var buffer = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await headers.WriteToAsync(format, buffer, cancellationToken);
        bool eightBit = buffer.GetBuffer().AsSpan(0, (int)buffer.Length).ContainsAnyInRange((byte)0x80, (byte)0xFF);
        buffer.Position = 0;
        return new MimePart(eightBit ? "message" : "text", eightBit ? "global-headers" : "rfc822-headers")
        {
            Content = new MimeContent(buffer),
            ContentTransferEncoding = eightBit ? ContentEncoding.EightBit : ContentEncoding.SevenBit,
        };
    }

    /// <summary>
    /// The whole original as <c>message/rfc822</c> (<c>message/global</c> when it came with SMTPUTF8, RFC 6532 §3.7),
    /// streamed from <paramref name="original"/> when the report is written. RFC 2046 §5.2.1 allows no base64 here:
    /// the part is 7bit or 8bit as the original was.
    /// </summary>
    private static MimePart FullMessagePart(QueuedMessage message, Stream original)
    {
        bool eightBit = message.Envelope.Parameters.Body == BodyType.EightBitMime || message.Envelope.Parameters.SmtpUtf8;
        return new MimePart("message", message.Envelope.Parameters.SmtpUtf8 ? "global" : "rfc822")
        {
            Content = new MimeContent(original),
            ContentTransferEncoding = eightBit ? ContentEncoding.EightBit : ContentEncoding.SevenBit,
        };
    }

    private string HumanText(
        QueuedMessage message, IReadOnlyList<RecipientReport> recipients, ReportAction action, DateTimeOffset retryUntil, DsnReturn returnContent)
    {
        var text = new StringBuilder();
        WriteSection(text, DsnWords.English, message, recipients, action, retryUntil, returnContent);
        text.Append('\n').Append("-- ").Append(DsnWords.Arabic.Heading).Append(" --").Append('\n').Append('\n');
        WriteSection(text, DsnWords.Arabic, message, recipients, action, retryUntil, returnContent);
        return text.ToString();
    }

    private void WriteSection(
        StringBuilder text, DsnWords words, QueuedMessage message, IReadOnlyList<RecipientReport> recipients,
        ReportAction action, DateTimeOffset retryUntil, DsnReturn returnContent)
    {
        string host = _options.Hostname;
        Paragraph(text, DsnWords.Format(words.Opening, host), string.Empty);
        text.Append('\n');
        Paragraph(text, words.Intro(action), string.Empty);
        if (action == ReportAction.Delayed)
        {
            Paragraph(text, DsnWords.Format(words.RetryUntil, host, DateUtils.FormatDate(retryUntil)), string.Empty);
        }

        text.Append('\n');
        text.Append(words.QueueId).Append(": ").Append(message.Id.Value).Append('\n');
        text.Append(words.Arrived).Append(": ").Append(DateUtils.FormatDate(message.Envelope.ArrivedAt)).Append('\n');

        foreach (RecipientReport report in recipients)
        {
            text.Append('\n');
            text.Append('<').Append(report.Recipient).Append(">: ").Append(words.ActionName(report.Action))
                .Append(" (").Append(report.Status).Append(')').Append('\n');

            if (!string.IsNullOrWhiteSpace(report.Diagnostic))
            {
                string said = string.IsNullOrWhiteSpace(report.RemoteMta) ? DsnWords.Format(words.LocalSaid, host) : DsnWords.Format(words.RemoteSaid, report.RemoteMta.Trim());
                text.Append(Indent).Append(said).Append('\n');
                foreach (string line in report.Diagnostic.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
                {
                    // The reply exactly as given, line by line: it is what the remote administrator will search for.
                    text.Append(Indent).Append(Indent).Append(line.TrimEnd()).Append('\n');
                }
            }

            if (!string.IsNullOrWhiteSpace(report.Explanation))
            {
                text.Append(Indent).Append(DsnWords.Format(words.LocalSaid, host)).Append('\n');
                Paragraph(text, report.Explanation.Trim(), Indent + Indent);
            }

            if (Describe(report, words.Language) is { } description)
            {
                Paragraph(text, $"{words.Meaning}: {description.Title}. {description.Meaning}", Indent, Indent + Indent);
                if (report.Action is ReportAction.Failed or ReportAction.Delayed)
                {
                    Paragraph(text, $"{words.SenderAction}: {description.SenderAction}", Indent, Indent + Indent);
                }
            }
        }

        text.Append('\n');
        Paragraph(text, returnContent == DsnReturn.Full ? words.AttachedFull : words.Attached, string.Empty);
    }

    /// <summary>
    /// What the code means, from the knowledge base: the Status code, unless it is the catch-all X.0.0, when the
    /// remote reply's basic code says more (e.g. 550 for 5.0.0); null when there is neither.
    /// </summary>
    private ReplyDescription? Describe(RecipientReport report, CultureInfo language)
    {
        bool hasStatus = EnhancedStatusCode.TryParse(report.Status, out EnhancedStatusCode status);
        ReplyCode? basic = ReplyLineParser.TryParse(report.Diagnostic, out ParsedReply? parsed) ? parsed.Code : null;
        if (hasStatus && (status.Subject, status.Detail) != (0, 0))
        {
            return _knowledge.Describe(status, language);
        }

        if (basic is { } code)
        {
            return _knowledge.Describe(code, language);
        }

        // X.0.0 alone says only "failed" or "delayed", which the report already says: no words are better than noise.
        return null;
    }

    /// <summary>Appends <paramref name="paragraph"/> wrapped at <see cref="TextWidth"/> columns, by words.</summary>
    private static void Paragraph(StringBuilder text, string paragraph, string firstIndent, string? nextIndent = null)
    {
        string indent = firstIndent;
        var line = new StringBuilder();
        foreach (string word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && indent.Length + line.Length + 1 + word.Length > TextWidth)
            {
                text.Append(indent).Append(line).Append('\n');
                line.Clear();
                indent = nextIndent ?? firstIndent;
            }

            if (line.Length > 0)
            {
                line.Append(' ');
            }

            line.Append(word);
        }

        if (line.Length > 0)
        {
            text.Append(indent).Append(line).Append('\n');
        }
    }
}
