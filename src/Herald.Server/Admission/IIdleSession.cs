// What the slot pressure needs of a session: how long it has been idle, and ways to hurry or end it.
namespace Herald.Server.Admission;

/// <summary>A session as the stress rules see it.</summary>
internal interface IIdleSession
{
    /// <summary>When its last command arrived (or its greeting was sent).</summary>
    DateTimeOffset IdleSince { get; }

    /// <summary>True while a message is arriving: such a session is never evicted, nor hurried.</summary>
    bool IsReceivingMessage { get; }

    /// <summary>Brings the wait for the next command down to <paramref name="timeout"/> from its last command.</summary>
    void ShortenCommandTimeout(TimeSpan timeout);

    /// <summary>Ends the session with 421 4.4.2 unless it is receiving a message; false when it was not evicted.</summary>
    bool TryEvict();
}
