// The sendmail command line as cron, PHP's mail(), git send-email and mailx write it, read the way getopt(3) does.
using System.Diagnostics.CodeAnalysis;

namespace Herald.Cli.Sendmail;

internal enum SendmailMode
{
    /// <summary>-bm, the default: read one message from standard input and submit it.</summary>
    Deliver,

    /// <summary>-bs: speak SMTP on standard input and output.</summary>
    Smtp,

    /// <summary>-bi (newaliases): Herald has no alias database, so there is nothing to rebuild.</summary>
    NewAliases,
}

/// <summary>
/// What one sendmail invocation asks for. Options follow the Postfix and Sendmail manuals: flags may be
/// bundled (<c>-ti</c>), a value may be attached or be the next argument (<c>-fsender</c>, <c>-f sender</c>),
/// options and recipients may come in any order, and <c>--</c> ends the options. Options that only tune
/// delivery (<c>-odi</c>, <c>-oem</c>, <c>-v</c>, <c>-N</c>, <c>-R</c>, <c>-B</c>, ...) are accepted and ignored.
/// </summary>
internal sealed class SendmailArguments
{
    // Letters that stand alone and may be bundled: -t -i -v, and -n -m -U -G -x that change nothing here.
    private const string Flags = "tivnmUGx";

    // Letters whose value is attached or is the next argument.
    private const string WithValue = "frFCBNRVXhLOp";

    // Letters whose value is always attached, possibly empty: -bs, -oi, -odi, -oem, -q1h, -d0.1, -em, -Am.
    private const string Attached = "boqdeA";

    public SendmailMode Mode { get; private set; } = SendmailMode.Deliver;

    /// <summary>-t: recipients also come from the To, Cc and Bcc headers.</summary>
    public bool ExtractRecipients { get; private set; }

    /// <summary>-i or -oi: a line with a single dot does not end the message.</summary>
    public bool IgnoreDots { get; private set; }

    /// <summary>-v: say what happened to the message on standard error.</summary>
    public bool Verbose { get; private set; }

    /// <summary>-f or -r: the envelope sender as written (<c>&lt;&gt;</c> or an empty value: the null sender).</summary>
    public string? Sender { get; private set; }

    /// <summary>-F: the full name for a From header added when the message has none.</summary>
    public string? FullName { get; private set; }

    /// <summary>-C: a configuration file, as Herald's --config.</summary>
    public string? ConfigFile { get; private set; }

    /// <summary>Recipient arguments as written; each may hold several addresses separated by commas.</summary>
    public IReadOnlyList<string> Recipients => _recipients;

    private readonly List<string> _recipients = [];

    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out SendmailArguments? parsed, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = new SendmailArguments();
        parsed = null;
        bool optionsEnded = false;
        for (int i = 0; i < args.Count; i++)
        {
            string token = args[i];
            if (optionsEnded || token.Length < 2 || token[0] != '-')
            {
                result._recipients.Add(token);
                continue;
            }

            if (token == "--")
            {
                optionsEnded = true;
                continue;
            }

            for (int j = 1; j < token.Length; j++)
            {
                char letter = token[j];
                if (Flags.Contains(letter, StringComparison.Ordinal))
                {
                    result.SetFlag(letter);
                    continue;
                }

                string value;
                if (WithValue.Contains(letter, StringComparison.Ordinal))
                {
                    if (j + 1 < token.Length)
                    {
                        value = token[(j + 1)..];
                    }
                    else if (i + 1 < args.Count)
                    {
                        value = args[++i];
                    }
                    else
                    {
                        error = $"option -{letter} needs a value";
                        return false;
                    }
                }
                else if (Attached.Contains(letter, StringComparison.Ordinal))
                {
                    value = token[(j + 1)..];
                }
                else
                {
                    error = $"unknown option -{letter}";
                    return false;
                }

                if (!result.SetValue(letter, value, out error))
                {
                    return false;
                }

                break;
            }
        }

        parsed = result;
        error = null;
        return true;
    }

    private void SetFlag(char letter)
    {
        switch (letter)
        {
            case 't':
                ExtractRecipients = true;
                break;
            case 'i':
                IgnoreDots = true;
                break;
            case 'v':
                Verbose = true;
                break;
            default:
                // -n (no aliasing), -m (me too), -U (initial submission), -G (gateway), -x: nothing to change here.
                break;
        }
    }

    private bool SetValue(char letter, string value, [NotNullWhen(false)] out string? error)
    {
        error = null;
        switch (letter)
        {
            case 'f' or 'r':
                Sender = value;
                break;
            case 'F':
                FullName = value;
                break;
            case 'C':
                ConfigFile = value;
                break;
            case 'o' when value == "i":
                IgnoreDots = true;
                break;
            case 'b':
                return SetMode(value, out error);
            case 'q':
                error = "-q (run the queue) is not supported: herald serve delivers the queue";
                return false;
            default:
                // -o<option> (-odi, -oem, -oQ...), -B body type, -N/-R/-V DSN requests, -X, -h, -L, -O, -p,
                // -d, -e, -A: accepted for compatibility; delivery is the server's business.
                break;
        }

        return true;
    }

    private bool SetMode(string value, [NotNullWhen(false)] out string? error)
    {
        error = null;
        switch (value)
        {
            case "m":
                Mode = SendmailMode.Deliver;
                return true;
            case "s":
                Mode = SendmailMode.Smtp;
                return true;
            case "i":
                Mode = SendmailMode.NewAliases;
                return true;
            case "d" or "D":
                error = $"-b{value} (run as a daemon) is not supported: use herald serve";
                return false;
            case "p":
                error = "-bp (list the queue) is not supported by herald sendmail";
                return false;
            default:
                error = $"-b{value} is not supported (only -bm, -bs and -bi are)";
                return false;
        }
    }
}
