// The Received: trace header each server adds at the top of a message (RFC 5321 §4.4, RFC 3848).
using System.Globalization;
using System.Text;
using Herald.Protocol.Addresses;

namespace Herald.Server.Sessions;

internal static class ReceivedHeader
{
    /// <summary>
    /// <c>Received: from helo ([ip]) by host (Herald) with ESMTP id QUEUEID for &lt;rcpt&gt;; date</c>.
    /// The "for" clause is given only for a single recipient, so that a copy never lists the others.
    /// </summary>
    public static byte[] Build(string heloName, string clientAddress, string hostname, string protocol, string queueId, IReadOnlyList<Mailbox> recipients, DateTimeOffset now)
    {
        var builder = new StringBuilder(256);
        builder.Append("Received: from ").Append(Sanitize(heloName)).Append(" ([").Append(clientAddress).Append("])\r\n");
        builder.Append("\tby ").Append(hostname).Append(" (Herald) with ").Append(protocol).Append(" id ").Append(queueId);
        if (recipients.Count == 1)
        {
            builder.Append("\r\n\tfor <").Append(recipients[0]).Append('>');
        }

        builder.Append("; ").Append(FormatDate(now)).Append("\r\n");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>RFC 5322 §3.3 date-time, e.g. <c>Mon, 30 Nov 2026 03:21:47 +0000</c>.</summary>
    public static string FormatDate(DateTimeOffset time)
    {
        TimeSpan offset = time.Offset;
        char sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture, $"{time:ddd, d MMM yyyy HH:mm:ss} {sign}{offset.Hours:00}{offset.Minutes:00}");
    }

    // The HELO name is the client's word; keep it to printable characters without parentheses.
    private static string Sanitize(string text)
    {
        Span<char> buffer = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            buffer[i] = c is < '!' or '(' or ')' or '\u007f' ? '_' : c;
        }

        return new string(buffer);
    }
}
