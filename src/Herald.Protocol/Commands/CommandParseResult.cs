// What the command parser gives back for one complete line: a command, or the reply that refuses it.
using Herald.Protocol.Replies;

namespace Herald.Protocol.Commands;

/// <summary>A command, or the error reply for a line that is not one.</summary>
public readonly record struct CommandParseResult
{
    private CommandParseResult(SmtpCommand? command, SmtpReply? error)
    {
        Command = command;
        Error = error;
    }

    public SmtpCommand? Command { get; }

    public SmtpReply? Error { get; }

    public static CommandParseResult Ok(SmtpCommand command) => new(command, null);

    public static CommandParseResult Fail(SmtpReply error) => new(null, error);
}
