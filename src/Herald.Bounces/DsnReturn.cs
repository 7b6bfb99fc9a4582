// What of the original message a report carries back (RFC 3461 §4.3 RET, RFC 3464 §2).
namespace Herald.Bounces;

/// <summary>The third part of a report.</summary>
public enum DsnReturn
{
    /// <summary>The original header section only, as <c>text/rfc822-headers</c> (RFC 6522 §4): the default.</summary>
    Headers,

    /// <summary>The whole original message, as <c>message/rfc822</c> (RET=FULL).</summary>
    Full,
}
