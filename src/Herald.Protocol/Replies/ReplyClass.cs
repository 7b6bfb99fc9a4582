// The class of an SMTP reply, read from its first digit (RFC 5321 §4.2.1).
namespace Herald.Protocol.Replies;

/// <summary>What the first digit of a reply code says about the outcome.</summary>
public enum ReplyClass
{
    /// <summary>2yz: the action was done.</summary>
    PositiveCompletion = 2,

    /// <summary>3yz: accepted so far; the client must send more (354 after DATA, 334 in AUTH).</summary>
    PositiveIntermediate = 3,

    /// <summary>4yz: not done this time; the same request may succeed later.</summary>
    TransientNegative = 4,

    /// <summary>5yz: not done, and repeating the same request will not help.</summary>
    PermanentNegative = 5,
}
