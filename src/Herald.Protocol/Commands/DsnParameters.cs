// The parameters of the DSN extension (RFC 3461): what a sender asks to be told, and how.
namespace Herald.Protocol.Commands;

/// <summary>What of the original message a report carries back (RET=, RFC 3461 §4.3).</summary>
public enum DsnReturn
{
    /// <summary>The original header section only (RET=HDRS).</summary>
    Headers,

    /// <summary>The whole original message (RET=FULL).</summary>
    Full,
}

/// <summary>The conditions under which a recipient's sender wants a report (NOTIFY=, RFC 3461 §4.1).</summary>
[Flags]
public enum DsnNotify
{
    /// <summary>No condition: the same as <see cref="Never"/> once the parameter was given.</summary>
    None = 0,

    /// <summary>NOTIFY=NEVER: no report at all, not even of a failure.</summary>
    Never = 1,

    /// <summary>A report when the message is delivered, or relayed to a host that cannot pass the request on.</summary>
    Success = 2,

    /// <summary>A report when delivery fails.</summary>
    Failure = 4,

    /// <summary>A report when delivery is delayed.</summary>
    Delay = 8,
}

/// <summary>Writes DSN parameter values as a client sends them on.</summary>
public static class DsnParameterValues
{
    /// <summary>The NOTIFY= value: <c>NEVER</c>, or the conditions joined by commas (RFC 3461 §4.1).</summary>
    public static string Notify(DsnNotify notify)
    {
        if (notify.HasFlag(DsnNotify.Never) || notify == DsnNotify.None)
        {
            return "NEVER";
        }

        var conditions = new List<string>(3);
        if (notify.HasFlag(DsnNotify.Success))
        {
            conditions.Add("SUCCESS");
        }

        if (notify.HasFlag(DsnNotify.Failure))
        {
            conditions.Add("FAILURE");
        }

        if (notify.HasFlag(DsnNotify.Delay))
        {
            conditions.Add("DELAY");
        }

        return string.Join(',', conditions);
    }

    /// <summary>The RET= value (RFC 3461 §4.3).</summary>
    public static string Return(DsnReturn value) => value == DsnReturn.Full ? "FULL" : "HDRS";
}

/// <summary>
/// The recipient's address as the sender first gave it (ORCPT=, RFC 3461 §4.2), decoded from xtext:
/// its address type (<c>rfc822</c>, or <c>utf-8</c> of RFC 6533) and the address in that type's form.
/// </summary>
public sealed record OriginalRecipient(string AddressType, string Address)
{
    /// <summary>The ESMTP value for the next hop: <c>type;xtext</c>.</summary>
    public string ToParameterValue() => AddressType + ";" + Xtext.Encode(Address);

    public override string ToString() => AddressType + ";" + Address;
}

/// <summary>The parameters given with one RCPT TO.</summary>
public sealed record RecipientParameters
{
    public static readonly RecipientParameters None = new();

    /// <summary>NOTIFY=, or null when it was not given and the server's default applies (failure and delay).</summary>
    public DsnNotify? Notify { get; init; }

    /// <summary>ORCPT=, or null when it was not given.</summary>
    public OriginalRecipient? OriginalRecipient { get; init; }

    /// <summary>
    /// True when the sender wants to hear of <paramref name="condition"/> (<see cref="DsnNotify.Success"/>,
    /// <see cref="DsnNotify.Failure"/> or <see cref="DsnNotify.Delay"/>) for this recipient.
    /// </summary>
    /// <remarks>
    /// Without NOTIFY, RFC 3461 §4.1 leaves the default to the server: failures and delays are reported,
    /// successes are not, as Postfix does.
    /// </remarks>
    public bool Wants(DsnNotify condition) => ((Notify ?? (DsnNotify.Failure | DsnNotify.Delay)) & condition) != 0;
}
