// Builds RFC 3464 delivery status notifications with MimeKit: words for people, fields for programs, the original.
using System.Globalization;
using System.Text;
using Herald.Protocol.Addresses;
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
    /// Builds a report on <paramref name="recipients"/> of <paramref name="message"/>, addressed to <paramref name="to"/>.
    /// </summary>
    /// <param name="original">
    /// The original content from its start (<see cref="IQueueStore.OpenContent"/>). For <see cref="DsnReturn.Headers"/>
    /// only its header section is read, here; for <see cref="DsnReturn.Full"/> it is read when the report is written,
    /// so it must stay open until then and is never held in memory.
    /// </param>
    /// <param name="originalEnvelopeId">The ENVID the client gave (RFC 3461 §4.4), once the DSN extension supplies it.</param>
    public async Task<MimeMessage> BuildAsync(
        QueuedMessage message,
        IReadOnlyList<RecipientReport> recipients,
        Mailbox to,
        Stream original,
        DsnReturn returnContent = DsnReturn.Headers,
        string? originalEnvelopeId = null,
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
            StatusPart(message, recipients, retryUntil, originalEnvelopeId),
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
        if (!recipient.RequiresSmtpUtf8)
        {
            return "rfc822; " + address;
        }

        var builder = new StringBuilder("utf-8; ");
        foreach (Rune rune in address.EnumerateRunes())
        {
            // RFC 6533 §3 QCHAR: printable ASCII except "+", "=" and "\"; all else is EmbeddedUnicodeChar.
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

    private static ReportAction MostSevere(IReadOnlyList<RecipientReport> recipients) =>
        recipients.Any(r => r.Action == ReportAction.Failed) ? ReportAction.Failed
        : recipients.Any(r => r.Action == ReportAction.Delayed) ? ReportAction.Delayed
        : ReportAction.Delivered;

    private static string ActionField(ReportAction action) => action switch
    {
        ReportAction.Failed => "failed",
        ReportAction.Delayed => "delayed",
        _ => "delivered",
    };

    private MessageDeliveryStatus StatusPart(
        QueuedMessage message, IReadOnlyList<RecipientReport> recipients, DateTimeOffset retryUntil, string? originalEnvelopeId)
    {
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
            var group = new HeaderList
            {
                { "Final-Recipient", FinalRecipient(report.Recipient) },
                { "Action", ActionField(report.Action) },
                { "Status", report.Status },
            };
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
        bool eightBit = message.Envelope.Parameters.Body == Protocol.Commands.BodyType.EightBitMime || message.Envelope.Parameters.SmtpUtf8;
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
                if (report.Action != ReportAction.Delivered)
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
