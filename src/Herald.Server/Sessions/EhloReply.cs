// The EHLO reply: the host name, then one service extension per line (RFC 5321 §4.1.1.1).
using System.Globalization;
using Herald.Protocol.Replies;

namespace Herald.Server.Sessions;

internal static class EhloReply
{
    /// <summary>The extensions a session offers. ENHANCEDSTATUSCODES is always there (RFC 2034).</summary>
    public static SmtpReply Build(string hostname, long maxMessageSize, bool offerStartTls, bool offerAuth)
    {
        List<string> lines =
        [
            hostname,
            "PIPELINING",                                                             // RFC 2920
            "SIZE " + maxMessageSize.ToString(CultureInfo.InvariantCulture),          // RFC 1870
            "8BITMIME",                                                               // RFC 6152
            "ENHANCEDSTATUSCODES",                                                    // RFC 2034
            "SMTPUTF8",                                                               // RFC 6531
            "CHUNKING",                                                               // RFC 3030 (BINARYMIME is not offered)
            "DSN",                                                                    // RFC 3461
        ];
        if (offerStartTls)
        {
            lines.Add("STARTTLS");                                                    // RFC 3207
        }

        if (offerAuth)
        {
            lines.Add("AUTH " + string.Join(' ', AuthExchange.Mechanisms));           // RFC 4954
        }

        return SmtpReplies.Ehlo.WithLines(lines);
    }
}
