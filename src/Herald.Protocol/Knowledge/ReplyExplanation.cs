// A parsed reply explained as a whole: its basic code, its enhanced code, and what a sender does next.
using Herald.Protocol.Replies;

namespace Herald.Protocol.Knowledge;

/// <summary>
/// The explanation of one reply. A sending MTA acts on the basic code when there is one
/// (RFC 3463 §2 requires the enhanced class to agree with it; when it does not, the basic code wins).
/// </summary>
public sealed record ReplyExplanation(ParsedReply Reply, ReplyDescription? Basic, ReplyDescription? Enhanced)
{
    /// <summary>The class that decides what happens next: the basic code's, else the enhanced code's.</summary>
    public ReplyClass Class => (Basic ?? Enhanced)!.Class;

    /// <summary>What a sending MTA does next, decided by <see cref="Class"/>.</summary>
    public RetryAdvice Retry => (Basic ?? Enhanced)!.Retry;

    /// <summary>False when both codes are present and their classes disagree (e.g. 550 with 4.2.2).</summary>
    public bool ClassesAgree =>
        Reply.Code is not { } code || Reply.Enhanced is not { } enhanced
        || enhanced.Class == code.Value / 100
        || (code.Class == ReplyClass.PositiveIntermediate && enhanced.Class == 2);
}
