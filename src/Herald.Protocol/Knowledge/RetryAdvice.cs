// What a sending MTA does after a reply, as RFC 5321 §4.2.1 and §4.5.4.1 ask.
namespace Herald.Protocol.Knowledge;

/// <summary>Whether a sending MTA tries again after a reply.</summary>
public enum RetryAdvice
{
    /// <summary>2yz and 3yz: the step worked, there is nothing to retry.</summary>
    NotAFailure,

    /// <summary>4yz: the message stays queued and is tried again later.</summary>
    RetryLater,

    /// <summary>5yz: the recipients are given up and the sender gets a bounce (DSN).</summary>
    DoNotRetry,
}
