// What ReplyLineParser found in a pasted code or reply line.
using Herald.Protocol.Replies;

namespace Herald.Protocol.Knowledge;

/// <summary>The codes found in a reply and the text that followed them; at least one code is present.</summary>
public sealed record ParsedReply(ReplyCode? Code, EnhancedStatusCode? Enhanced, string Text);
