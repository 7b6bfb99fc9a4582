// The SASL exchanges of SMTP AUTH that Herald offers: PLAIN (RFC 4616) and LOGIN, over RFC 4954.
using System.Text;

namespace Herald.Server.Sessions;

/// <summary>What the next step of an AUTH exchange is.</summary>
internal abstract record AuthStep
{
    /// <summary>Send <c>334 challenge</c> and read the client's next line.</summary>
    public sealed record Challenge(string Base64) : AuthStep;

    /// <summary>The client has given a user name and password to verify.</summary>
    public sealed record Credentials(string User, string Password) : AuthStep;

    /// <summary>The client sent "*" (RFC 4954 §4): 501 5.7.0.</summary>
    public sealed record Aborted : AuthStep;

    /// <summary>Not valid base64 or not a valid PLAIN message: 501 5.5.2.</summary>
    public sealed record Malformed : AuthStep;
}

/// <summary>One AUTH exchange in progress.</summary>
internal sealed class AuthExchange
{
    // "Username:" and "Password:" in base64, as every LOGIN client expects.
    private const string UsernamePrompt = "VXNlcm5hbWU6";
    private const string PasswordPrompt = "UGFzc3dvcmQ6";
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly bool _plain;
    private string? _user;

    private AuthExchange(bool plain) => _plain = plain;

    public static IReadOnlyList<string> Mechanisms { get; } = ["PLAIN", "LOGIN"];

    /// <summary>PLAIN or LOGIN, as the client named it in AUTH.</summary>
    public string Mechanism => _plain ? "PLAIN" : "LOGIN";

    public static AuthExchange? For(string mechanism) => mechanism switch
    {
        "PLAIN" => new AuthExchange(plain: true),
        "LOGIN" => new AuthExchange(plain: false),
        _ => null,
    };

    /// <summary>The first step, from the optional initial response of the AUTH command.</summary>
    public AuthStep Start(string? initialResponse)
    {
        if (initialResponse is null)
        {
            return new AuthStep.Challenge(_plain ? string.Empty : UsernamePrompt);
        }

        // RFC 4954 §4: "=" is an initial response of zero length.
        return Next(initialResponse == "=" ? string.Empty : initialResponse);
    }

    public AuthStep Next(string line)
    {
        if (line == "*")
        {
            return new AuthStep.Aborted();
        }

        if (!TryDecode(line, out string? text))
        {
            return new AuthStep.Malformed();
        }

        if (_plain)
        {
            // RFC 4616 §2: [authzid] NUL authcid NUL passwd. An authzid other than the authcid is not supported.
            string[] parts = text.Split('\0');
            if (parts.Length != 3 || parts[1].Length == 0 || (parts[0].Length > 0 && parts[0] != parts[1]))
            {
                return new AuthStep.Malformed();
            }

            return new AuthStep.Credentials(parts[1], parts[2]);
        }

        if (_user is null)
        {
            _user = text;
            return new AuthStep.Challenge(PasswordPrompt);
        }

        return new AuthStep.Credentials(_user, text);
    }

    private static bool TryDecode(string line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        text = null;
        try
        {
            text = StrictUtf8.GetString(Convert.FromBase64String(line.Trim()));
            return true;
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return false;
        }
    }
}
