// A session that broke below the level of replies: connection lost, a timeout, or bytes that are not SMTP.
using Herald.Protocol.Replies;

namespace Herald.Delivery.Outbound.Smtp;

/// <summary>How a session broke.</summary>
internal enum TransportFailure
{
    /// <summary>The peer closed or reset the connection.</summary>
    Lost,

    /// <summary>A wait of RFC 5321 §4.5.3.2 ran out.</summary>
    Timeout,

    /// <summary>The peer sent something that is not an SMTP reply.</summary>
    Protocol,
}

/// <summary>
/// Thrown inside <see cref="SmtpClientSession"/> only, and turned into a value (a composed reply) at its
/// public methods: replies are values, and only a broken connection travels as an exception.
/// </summary>
internal sealed class SmtpTransportException : IOException
{
    public SmtpTransportException()
    {
        Stage = string.Empty;
    }

    public SmtpTransportException(string message)
        : base(message)
    {
        Stage = string.Empty;
    }

    public SmtpTransportException(string message, Exception innerException)
        : base(message, innerException)
    {
        Stage = string.Empty;
    }

    public SmtpTransportException(TransportFailure failure, string stage, string detail, Exception? innerException = null)
        : base($"{failure} while {stage}: {detail}", innerException)
    {
        Failure = failure;
        Stage = stage;
        Detail = detail;
    }

    public TransportFailure Failure { get; }

    /// <summary>What the client was doing, e.g. "sending message body".</summary>
    public string Stage { get; }

    public string? Detail { get; }

    /// <summary>The failure in the words of the outbound catalog, naming the peer.</summary>
    public SmtpReply ToReply(string peer) => Failure switch
    {
        TransportFailure.Timeout => OutboundReplies.TimedOut.Render(peer, Stage),
        TransportFailure.Protocol => OutboundReplies.ProtocolError.Render(peer, Stage, OutboundReplies.OneLine(Detail)),
        _ => OutboundReplies.ConnectionLost.Render(peer, Stage),
    };
}
