// What one delivery round found for one recipient, before it is turned into a journal record and a report.
using System.Globalization;
using Herald.Protocol.Replies;

namespace Herald.Delivery.Outbound;

/// <summary>The verdict of one round on one recipient.</summary>
internal enum ResultKind
{
    /// <summary>A 2xx after DATA.</summary>
    Delivered,

    /// <summary>A transient failure: try again per the retry schedule.</summary>
    Deferred,

    /// <summary>A permanent failure: report it and give up.</summary>
    Failed,

    /// <summary>Not tried: every host is suspended (pushing back). Not an attempt; nothing is recorded.</summary>
    Waiting,
}

/// <summary>
/// One recipient's result. <see cref="Reply"/> is the remote reply as given when <see cref="IsRemote"/>, else
/// our own words from <see cref="OutboundReplies"/>. <see cref="Status"/> is the enhanced status code for a
/// report: the reply's own, or the one the contract names (5.3.2 when every host refused all mail).
/// </summary>
internal sealed record RecipientResult(
    int Index,
    ResultKind Kind,
    SmtpReply Reply,
    bool IsRemote,
    string Status,
    string? Host,
    string? RemoteMta)
{
    /// <summary>For <see cref="ResultKind.Waiting"/>: when the first suspended host may be tried again.</summary>
    public DateTimeOffset? WaitUntil { get; init; }

    /// <summary>
    /// For <see cref="ResultKind.Delivered"/>: the host that took the message offered DSN and was given the
    /// sender's DSN parameters, so any report from here on is its to send (RFC 3461 §6.2.2).
    /// </summary>
    public bool NextHopReports { get; init; }

    /// <summary>The enhanced code a reply carries, or the generic one of its class (RFC 3463 §3.1: X.0.0).</summary>
    public static string StatusOf(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.Enhanced is { } enhanced)
        {
            return enhanced.ToString();
        }

        int digit = reply.Code.Value / 100;
        return string.Create(CultureInfo.InvariantCulture, $"{(digit is 2 or 4 or 5 ? digit : 4)}.0.0");
    }

    /// <summary>What a reply means for the recipient it decided: 2xx delivered, 5xx failed, anything else deferred.</summary>
    public static ResultKind KindOf(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.Code.Class switch
        {
            ReplyClass.PositiveCompletion => ResultKind.Delivered,
            ReplyClass.PermanentNegative => ResultKind.Failed,
            _ => ResultKind.Deferred,
        };
    }
}
