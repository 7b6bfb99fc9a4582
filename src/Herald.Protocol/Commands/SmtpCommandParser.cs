// Turns command lines into commands or into the reply that refuses them (RFC 5321 §4.1).
using System.Buffers;
using System.Globalization;
using System.Text;
using Herald.Protocol.Addresses;
using Herald.Protocol.Replies;

namespace Herald.Protocol.Commands;

/// <summary>
/// The SMTP command parser. It holds no state: <see cref="TryParse"/> either consumes one whole
/// line and gives its result, or consumes nothing and asks for more bytes.
/// </summary>
public sealed class SmtpCommandParser
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly int _maxLineLength;
    private readonly LineEndingPolicy _lineEndings;

    public SmtpCommandParser(int maxLineLength = CommandLine.DefaultMaxLength, LineEndingPolicy lineEndings = LineEndingPolicy.Normalize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 16);
        _maxLineLength = maxLineLength;
        _lineEndings = lineEndings;
    }

    /// <summary>
    /// Parses the next line of <paramref name="buffer"/>. Returns false when the line is not complete,
    /// leaving <paramref name="buffer"/> untouched. A line over the limit gives 500 5.5.6 with
    /// <paramref name="skipRestOfLine"/> set: the caller discards up to the next LF.
    /// </summary>
    public bool TryParse(ref ReadOnlySequence<byte> buffer, out CommandParseResult result, out bool skipRestOfLine)
    {
        result = default;
        skipRestOfLine = false;
        ReadOnlySequence<byte> rest = buffer;
        if (!CommandLine.TryRead(ref rest, _maxLineLength, out ReadOnlySequence<byte> line, out LineEnding ending, out bool tooLong))
        {
            return false;
        }

        buffer = rest;
        if (tooLong)
        {
            skipRestOfLine = true;
            result = CommandParseResult.Fail(SmtpReplies.LineTooLong.Render());
            return true;
        }

        if (ending != LineEnding.CrLf && _lineEndings == LineEndingPolicy.Reject)
        {
            result = CommandParseResult.Fail(ending == LineEnding.BareLf ? SmtpReplies.BareLineFeed.Render() : SmtpReplies.BareCarriageReturn.Render());
            return true;
        }

        result = ParseLine(line.IsSingleSegment ? line.FirstSpan : line.ToArray());
        return true;
    }

    /// <summary>Parses one line without its line end.</summary>
    public static CommandParseResult ParseLine(ReadOnlySpan<byte> line)
    {
        int verbEnd = line.IndexOf((byte)' ');
        ReadOnlySpan<byte> verb = verbEnd < 0 ? line : line[..verbEnd];
        ReadOnlySpan<byte> argBytes = verbEnd < 0 ? [] : line[(verbEnd + 1)..];

        SmtpVerb? known = RecogniseVerb(verb);
        if (known is not { } v)
        {
            return Fail(SmtpReplies.UnknownCommand.Render());
        }

        string args;
        try
        {
            args = StrictUtf8.GetString(argBytes);
        }
        catch (DecoderFallbackException)
        {
            return Fail(SmtpReplies.SyntaxError.Render("invalid UTF-8 in command"));
        }

        if (args.AsSpan().ContainsAnyInRange('\0', '\u001f') || args.Contains('\u007f', StringComparison.Ordinal))
        {
            return Fail(SmtpReplies.SyntaxError.Render("control character in command"));
        }

        return v switch
        {
            SmtpVerb.Helo => ParseHello(args, isEhlo: false),
            SmtpVerb.Ehlo => ParseHello(args, isEhlo: true),
            SmtpVerb.Mail => ParseMail(args),
            SmtpVerb.Rcpt => ParseRcpt(args),
            SmtpVerb.Data => NoArguments(args, "DATA", new DataCommand()),
            SmtpVerb.Rset => NoArguments(args, "RSET", new RsetCommand()),
            SmtpVerb.Quit => NoArguments(args, "QUIT", new QuitCommand()),
            SmtpVerb.Noop => Ok(new NoopCommand()), // RFC 5321 §4.1.1.9: a parameter is allowed and ignored.
            SmtpVerb.Vrfy => args.Trim().Length == 0 ? Fail(SmtpReplies.SyntaxError.Render("VRFY address")) : Ok(new VrfyCommand(args.Trim())),
            SmtpVerb.Expn => Ok(new ExpnCommand(args.Trim())),
            SmtpVerb.Help => Ok(new HelpCommand(args.Trim().Length == 0 ? null : args.Trim())),
            SmtpVerb.StartTls => NoArguments(args, "STARTTLS", new StartTlsCommand()),
            SmtpVerb.Auth => ParseAuth(args),
            SmtpVerb.Bdat => ParseBdat(args),
            _ => Fail(SmtpReplies.UnknownCommand.Render()),
        };
    }

    private static SmtpVerb? RecogniseVerb(ReadOnlySpan<byte> verb) =>
        verb.Length == 8 ? (Ascii.EqualsIgnoreCase(verb, "STARTTLS"u8) ? SmtpVerb.StartTls : null) : RecogniseShortVerb(verb);

    private static SmtpVerb? RecogniseShortVerb(ReadOnlySpan<byte> verb) => verb.Length != 4 ? null : (verb[0] | 0x20, verb[1] | 0x20, verb[2] | 0x20, verb[3] | 0x20) switch
    {
        ('h', 'e', 'l', 'o') => SmtpVerb.Helo,
        ('e', 'h', 'l', 'o') => SmtpVerb.Ehlo,
        ('m', 'a', 'i', 'l') => SmtpVerb.Mail,
        ('r', 'c', 'p', 't') => SmtpVerb.Rcpt,
        ('d', 'a', 't', 'a') => SmtpVerb.Data,
        ('r', 's', 'e', 't') => SmtpVerb.Rset,
        ('n', 'o', 'o', 'p') => SmtpVerb.Noop,
        ('q', 'u', 'i', 't') => SmtpVerb.Quit,
        ('v', 'r', 'f', 'y') => SmtpVerb.Vrfy,
        ('h', 'e', 'l', 'p') => SmtpVerb.Help,
        ('e', 'x', 'p', 'n') => SmtpVerb.Expn,
        ('a', 'u', 't', 'h') => SmtpVerb.Auth,
        ('b', 'd', 'a', 't') => SmtpVerb.Bdat,
        _ => null,
    };

    private static CommandParseResult ParseHello(string args, bool isEhlo)
    {
        string name = args.Trim();
        if (name.Length == 0 || name.Contains(' ', StringComparison.Ordinal))
        {
            return Fail(SmtpReplies.SyntaxError.Render(isEhlo ? "EHLO hostname" : "HELO hostname"));
        }

        // RFC 5321 §4.1.4 lets a server refuse a name it cannot verify, but the names clients really send
        // (bare host names, underscores) make that a poor trade; the name is recorded as given.
        return Ok(isEhlo ? new EhloCommand(name) : new HeloCommand(name));
    }

    /// <summary>
    /// RFC 3030 §3: <c>BDAT chunk-size [SP end-marker]</c>. A BDAT whose size cannot be read leaves the
    /// chunk boundary unknown: what follows is read as commands, and errors end such a session soon.
    /// </summary>
    private static CommandParseResult ParseBdat(string args)
    {
        string[] parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 1 or 2 && parts[0].Length <= 18
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long size)
            && (parts.Length == 1 || parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
        {
            return Ok(new BdatCommand(size, parts.Length == 2));
        }

        return Fail(SmtpReplies.BadChunkSize.Render());
    }

    private static CommandParseResult ParseAuth(string args)
    {
        string[] parts = args.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2 || !parts[0].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return Fail(SmtpReplies.SyntaxError.Render("AUTH mechanism [initial-response]"));
        }

        return Ok(new AuthCommand(parts[0].ToUpperInvariant(), parts.Length == 2 ? parts[1] : null));
    }

    private static CommandParseResult ParseMail(string args)
    {
        if (!TryKeyword(args, "FROM:", out int pos))
        {
            return Fail(SmtpReplies.SyntaxError.Render("MAIL FROM:<address>"));
        }

        PathError error = MailboxGrammar.TryParsePath(args, ref pos, allowNull: true, allowPostmaster: false, out Mailbox? sender);
        if (error != PathError.None)
        {
            return PathFailure(error, args, "MAIL FROM:<address>");
        }

        SmtpReply? refusal = EsmtpParameters.ForMail(args, pos, out MailParameters parameters);
        if (refusal is not null)
        {
            return Fail(refusal);
        }

        return Ok(new MailCommand(sender, parameters));
    }

    private static CommandParseResult ParseRcpt(string args)
    {
        if (!TryKeyword(args, "TO:", out int pos))
        {
            return Fail(SmtpReplies.SyntaxError.Render("RCPT TO:<address>"));
        }

        PathError error = MailboxGrammar.TryParsePath(args, ref pos, allowNull: false, allowPostmaster: true, out Mailbox? recipient);
        if (error != PathError.None)
        {
            return PathFailure(error, args, "RCPT TO:<address>");
        }

        SmtpReply? refusal = EsmtpParameters.ForRcpt(args, pos, out RecipientParameters parameters);
        if (refusal is not null)
        {
            return Fail(refusal);
        }

        return Ok(new RcptCommand(recipient!, parameters));
    }

    private static CommandParseResult PathFailure(PathError error, string args, string usage) => error switch
    {
        PathError.MissingBrackets => Fail(SmtpReplies.SyntaxError.Render(usage)),
        PathError.TooLong => Fail(SmtpReplies.BadAddressSyntax.Render("address too long")),
        _ => Fail(SmtpReplies.BadAddressSyntax.Render(Shorten(args))),
    };

    /// <summary>Matches "FROM:" / "TO:" case-insensitively, then skips spaces that lenient clients put after the colon.</summary>
    private static bool TryKeyword(string args, string keyword, out int pos)
    {
        pos = 0;
        if (!args.StartsWith(keyword, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        pos = keyword.Length;
        while (pos < args.Length && args[pos] == ' ')
        {
            pos++;
        }

        return true;
    }

    private static CommandParseResult NoArguments(string args, string verb, SmtpCommand command) =>
        args.Trim().Length == 0 ? Ok(command) : Fail(SmtpReplies.SyntaxError.Render(verb));

    internal static string Shorten(string text) => text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 77), "...");

    private static CommandParseResult Ok(SmtpCommand command) => CommandParseResult.Ok(command);

    private static CommandParseResult Fail(SmtpReply reply) => CommandParseResult.Fail(reply);
}
