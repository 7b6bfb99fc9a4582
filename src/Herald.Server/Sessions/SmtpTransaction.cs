// The mail transaction in progress: from MAIL to the end of DATA (RFC 5321 §3.3).
using Herald.Protocol.Addresses;
using Herald.Protocol.Commands;

namespace Herald.Server.Sessions;

/// <summary>The envelope being collected. Cleared by RSET, HELO/EHLO and the end of DATA.</summary>
internal sealed class SmtpTransaction
{
    private readonly List<Mailbox> _recipients = [];
    private readonly List<RecipientParameters> _recipientParameters = [];

    public Mailbox? Sender { get; private set; }

    public MailParameters Parameters { get; private set; } = MailParameters.None;

    public IReadOnlyList<Mailbox> Recipients => _recipients;

    /// <summary>The RCPT parameters, index for index with <see cref="Recipients"/>.</summary>
    public IReadOnlyList<RecipientParameters> RecipientParameters => _recipientParameters;

    /// <summary>RCPT commands tried in this transaction, accepted or not: DATA then says 554 rather than 503.</summary>
    public int RecipientsTried { get; set; }

    public void Begin(Mailbox? sender, MailParameters parameters)
    {
        Sender = sender;
        Parameters = parameters;
        _recipients.Clear();
        _recipientParameters.Clear();
        RecipientsTried = 0;
    }

    public void AddRecipient(Mailbox recipient, RecipientParameters parameters)
    {
        // RFC 5321 §3.3: duplicates are legal; one copy is enough, with the parameters it came with first.
        if (!_recipients.Contains(recipient))
        {
            _recipients.Add(recipient);
            _recipientParameters.Add(parameters);
        }
    }

    public void Clear() => Begin(null, MailParameters.None);
}
