// A catalog entry: the fixed code, enhanced code and wording of one reply the server can send.
using System.Globalization;

namespace Herald.Protocol.Replies;

/// <summary>
/// One row of the reply catalog. <see cref="Text"/> is a composite format string whose
/// arguments (host name, address, queue id, ...) are filled in by <see cref="Render"/>.
/// </summary>
public sealed record ReplyTemplate(string Name, ReplyCode Code, EnhancedStatusCode? Enhanced, string Text)
{
    public SmtpReply Render(params object?[] args) =>
        new(Code, Enhanced, string.Format(CultureInfo.InvariantCulture, Text, args));

    /// <summary>The reply with its text lines given by the caller (multi-line replies such as EHLO and HELP).</summary>
    public SmtpReply WithLines(IReadOnlyList<string> lines) => new(Code, Enhanced, lines);
}
