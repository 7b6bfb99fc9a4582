// How long the SMTP client waits at each step, from RFC 5321 §4.5.3.2.
namespace Herald.Delivery.Outbound.Smtp;

/// <summary>
/// The client's timeouts. RFC 5321 §4.5.3.2 says a client SHOULD wait at least this long, because a
/// busy server can be slow and a client that gives up early makes it deliver the same message twice
/// (RFC 1047). Each wait runs on the delivery engine's <see cref="TimeProvider"/>.
/// </summary>
internal sealed record SmtpTimeouts
{
    public static readonly SmtpTimeouts Rfc5321 = new();

    /// <summary>§4.5.3.2.1, initial 220 message: 5 minutes.</summary>
    public TimeSpan Greeting { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// §4.5.3.2.2 MAIL and §4.5.3.2.3 RCPT: 5 minutes. EHLO, HELO, STARTTLS and RSET have no timeout of
    /// their own in the RFC; they get the same 5 minutes (as Postfix's smtp_helo_timeout).
    /// </summary>
    public TimeSpan Command { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>§4.5.3.2.4, DATA initiation (the 354): 2 minutes.</summary>
    public TimeSpan DataInitiation { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>§4.5.3.2.5, data block: 3 minutes for each send of message content.</summary>
    public TimeSpan DataBlock { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>§4.5.3.2.6, DATA termination (the reply to the final "."): 10 minutes.</summary>
    public TimeSpan DataTermination { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The wait for the 221 after QUIT. RFC 5321 §4.1.1.10 has the client wait for it, but nothing hangs on
    /// it any more, so the wait is short.
    /// </summary>
    public TimeSpan Quit { get; init; } = TimeSpan.FromSeconds(30);
}
