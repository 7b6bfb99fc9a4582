// The answer of one policy check: don't know, permit, or refuse with this reply (Postfix restriction style).
using Herald.Protocol.Replies;

namespace Herald.Policy;

/// <summary>What a check decided. Never a bool: SMTP needs 2xx/4xx/5xx with an enhanced code.</summary>
public enum PolicyVerdict
{
    /// <summary>This check has no opinion; the next one decides.</summary>
    DontKnow,

    /// <summary>Accept; later checks are not asked.</summary>
    Permit,

    /// <summary>Refuse with <see cref="PolicyDecision.Reply"/> (4xx or 5xx).</summary>
    Reject,
}

/// <summary>A verdict, and for a rejection the reply and the name of the policy that gave it (for logs).</summary>
public readonly record struct PolicyDecision(PolicyVerdict Verdict, SmtpReply? Reply, string? Policy)
{
    public static PolicyDecision DontKnow => default;

    public static PolicyDecision Permit(string policy) => new(PolicyVerdict.Permit, null, policy);

    public static PolicyDecision Reject(SmtpReply reply, string policy)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.IsPositive)
        {
            throw new ArgumentException("A rejection needs a 4xx or 5xx reply.", nameof(reply));
        }

        return new(PolicyVerdict.Reject, reply, policy);
    }
}
