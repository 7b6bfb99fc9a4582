// The `Admin` settings: where the admin API listens and the token that guards it; every default says why.
using System.Diagnostics.CodeAnalysis;
using System.Net;
using Herald.Server;

namespace Herald.Admin;

/// <summary>The admin HTTP API of <c>herald serve</c>, bound from <c>Herald:Admin</c>.</summary>
public sealed class AdminOptions
{
    public const string SectionName = "Admin";

    /// <summary>
    /// Loopback, so that the embedded defaults expose nothing to the network; port 9025 rather than 8025, which
    /// the mail catchers developers run beside an MTA (MailHog, Mailpit) already take.
    /// </summary>
    public const string DefaultEndpoint = "127.0.0.1:9025";

    /// <summary>A shorter token can be guessed; 32 random characters (<c>openssl rand -hex 16</c>) are plenty.</summary>
    public const int MinimumTokenLength = 16;

    /// <summary><c>Admin:Enabled</c>: false runs no HTTP server at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary><c>Admin:Endpoint</c>: <c>ip:port</c>, as the SMTP listeners; port 0 takes any free port.</summary>
    public string Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>
    /// <c>Admin:Token</c>: the bearer token. When set, every request that changes something must carry it; on a
    /// non-loopback endpoint every request but the probes and the dashboard's page must, and it is then required.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>The token in force: null when none is set (an empty value, as from an empty variable, is none).</summary>
    public string? EffectiveToken => string.IsNullOrWhiteSpace(Token) ? null : Token.Trim();

    /// <summary>True when the endpoint is a loopback address, reachable only from this machine.</summary>
    public bool IsLoopback => TryGetEndPoint(out IPEndPoint? endpoint) && IPAddress.IsLoopback(endpoint.Address);

    public bool TryGetEndPoint([NotNullWhen(true)] out IPEndPoint? endpoint) => EndpointParser.TryParse(Endpoint, out endpoint);

    /// <summary>Checks every value and names the key of each one that is wrong.</summary>
    public IEnumerable<string> Validate()
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!TryGetEndPoint(out _))
        {
            yield return $"Herald:Admin:Endpoint: '{Endpoint}' is not ip:port (e.g. 127.0.0.1:9025 or [::1]:9025).";
            yield break;
        }

        if (EffectiveToken is { Length: < MinimumTokenLength })
        {
            yield return $"Herald:Admin:Token: at least {MinimumTokenLength} characters, so that it cannot be guessed (e.g. `openssl rand -hex 16`).";
        }
        else if (EffectiveToken is null && !IsLoopback)
        {
            // Queue contents (addresses, subjects) and the power to bounce or delete mail must not be open to a network.
            yield return $"Herald:Admin:Token: the admin endpoint {Endpoint} is not a loopback address, so a token is required " +
                "(set Herald:Admin:Token, e.g. HERALD__ADMIN__TOKEN=$(openssl rand -hex 16)), or listen on 127.0.0.1.";
        }
    }
}
