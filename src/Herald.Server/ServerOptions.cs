// Configuration of the SMTP server, bound from the `Herald` section; every default says where it comes from.
using Herald.Protocol.Commands;

namespace Herald.Server;

/// <summary>The receiving side's settings.</summary>
public sealed class ServerOptions
{
    /// <summary><c>Hostname</c>: the name in the greeting, EHLO reply and Received headers.</summary>
    public string Hostname { get; set; } = "localhost";

    /// <summary><c>AcceptMail</c>: false makes every listener answer <c>521 5.3.2</c> (RFC 7504).</summary>
    public bool AcceptMail { get; set; } = true;

    /// <summary><c>Listeners</c>: where to listen. Empty means one listener on 127.0.0.1:2525.</summary>
    public IList<ListenerOptions> Listeners { get; } = [];

    public LimitOptions Limits { get; set; } = new();

    public SmtpOptions Smtp { get; set; } = new();

    public NoMailOptions NoMail { get; set; } = new();

    public TlsOptions Tls { get; set; } = new();

    public SubmissionOptions Submission { get; set; } = new();

    /// <summary>The listeners to run: the configured ones, or the embedded default.</summary>
    public IReadOnlyList<ListenerOptions> EffectiveListeners =>
        Listeners.Count > 0 ? [.. Listeners] : [new ListenerOptions { Name = "smtp", Endpoint = "127.0.0.1:2525" }];

    /// <summary>Checks every value and names the key of each one that is wrong.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Hostname) || !Protocol.Addresses.MailboxGrammar.IsDomain(Hostname))
        {
            yield return $"Herald:Hostname: '{Hostname}' is not a host name.";
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < Listeners.Count; i++)
        {
            ListenerOptions listener = Listeners[i];
            if (string.IsNullOrWhiteSpace(listener.Name) || !names.Add(listener.Name))
            {
                yield return $"Herald:Listeners:{i}:Name: each listener needs a unique name.";
            }

            if (!EndpointParser.TryParse(listener.Endpoint, out _))
            {
                yield return $"Herald:Listeners:{i}:Endpoint: '{listener.Endpoint}' is not ip:port (e.g. 127.0.0.1:2525 or [::1]:25).";
            }
        }

        if ((Tls.CertificatePath is null) != (Tls.KeyPath is null))
        {
            yield return "Herald:Tls: give both CertificatePath and KeyPath, or neither (a self-signed certificate is then made).";
        }
        else if (Tls.CertificatePath is not null && !File.Exists(Tls.CertificatePath))
        {
            yield return $"Herald:Tls:CertificatePath: '{Tls.CertificatePath}' does not exist.";
        }
        else if (Tls.KeyPath is not null && !File.Exists(Tls.KeyPath))
        {
            yield return $"Herald:Tls:KeyPath: '{Tls.KeyPath}' does not exist.";
        }

        foreach (string error in Limits.Validate())
        {
            yield return error;
        }
    }
}

/// <summary>One listening socket.</summary>
public sealed class ListenerOptions
{
    public string Name { get; set; } = "smtp";

    /// <summary><c>ip:port</c>; IPv6 as <c>[::1]:25</c>.</summary>
    public string Endpoint { get; set; } = "127.0.0.1:2525";

    /// <summary>Overrides the server-wide <c>AcceptMail</c> for this listener, e.g. for a no-mail decoy.</summary>
    public bool? AcceptMail { get; set; }

    /// <summary><c>ImplicitTls</c>: TLS from the first byte (RFC 8314, port 465 style).</summary>
    public bool ImplicitTls { get; set; }

    /// <summary><c>RequireAuth</c>: a submission listener (port 587 style): MAIL needs AUTH first (530 5.7.0).</summary>
    public bool RequireAuth { get; set; }

    /// <summary>
    /// <c>AllowPlaintextAuth</c>: offer and accept AUTH outside TLS. Off by default on every listener: RFC 4954
    /// §4 and RFC 8314 want credentials sent only inside TLS, so AUTH is advertised after STARTTLS (or on an
    /// implicit-TLS listener) and refused before it with 538 5.7.11.
    /// </summary>
    public bool AllowPlaintextAuth { get; set; }
}

/// <summary><c>Tls</c>: the server certificate. Without one, <c>herald serve</c> makes a self-signed one.</summary>
public sealed class TlsOptions
{
    /// <summary><c>Tls:CertificatePath</c>: PEM certificate (with its chain).</summary>
    public string? CertificatePath { get; set; }

    /// <summary><c>Tls:KeyPath</c>: PEM private key.</summary>
    public string? KeyPath { get; set; }
}

/// <summary><c>Submission</c>: rules for authenticated clients.</summary>
public sealed class SubmissionOptions
{
    /// <summary>
    /// <c>Submission:RestrictSender</c>: an authenticated user may only use its own address in MAIL FROM
    /// (the user name when it is an address, else user@the first local domain); others get 553 5.7.1.
    /// </summary>
    public bool RestrictSender { get; set; }
}

/// <summary><c>Limits</c>: resource limits, each with its source.</summary>
public sealed class LimitOptions
{
    /// <summary>
    /// <c>Limits:MaxMessageSize</c>, octets, advertised as SIZE (RFC 1870). 25 MiB: a size most large
    /// providers accept, not so large that one message can fill a small disk.
    /// </summary>
    public long MaxMessageSize { get; set; } = 25 * 1024 * 1024;

    /// <summary><c>Limits:MaxConnections</c>: sessions at once over all listeners; 0 = no limit. Postfix's default process limit is 100.</summary>
    public int MaxConnections { get; set; } = 100;

    /// <summary><c>Limits:MaxConnectionsPerIp</c>: sessions at once from one client address; 0 = no limit (Postfix anvil default: 50).</summary>
    public int MaxConnectionsPerIp { get; set; } = 50;

    /// <summary><c>Limits:MaxRecipients</c>: RFC 5321 §4.5.3.1.8 requires at least 100; Postfix allows 1000.</summary>
    public int MaxRecipients { get; set; } = 1000;

    /// <summary><c>Limits:HardErrorLimit</c>: errors in one session before 421 4.7.0 (Postfix: 20).</summary>
    public int HardErrorLimit { get; set; } = 20;

    /// <summary><c>Limits:CommandTimeout</c>: the wait for each command (RFC 5321 §4.5.3.2.7: 5 minutes).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// <c>Limits:DataTimeout</c>: the whole time allowed to receive one message after 354. RFC 5321
    /// §4.5.3.2.6 gives 10 minutes for the final dot; a deadline rather than an idle timer means a
    /// client trickling one byte a second cannot hold a session open.
    /// </summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>Limits:MaxCommandLineLength</c>: RFC 5321 §4.5.3.1.4, 512 octets with the CRLF.</summary>
    public int MaxCommandLineLength { get; set; } = CommandLine.DefaultMaxLength;

    /// <summary>
    /// <c>Limits:StressThreshold</c>: percent of <c>MaxConnections</c> in use from which the server is under
    /// stress: the command timeout becomes <c>StressCommandTimeout</c>, and when every slot is taken the
    /// session idle the longest is closed (421 4.4.2) for the new one. 0 turns both off. Postfix: stress
    /// when smtpd processes reach the process limit.
    /// </summary>
    public int StressThreshold { get; set; } = 80;

    /// <summary><c>Limits:StressCommandTimeout</c>: the command timeout under stress (Postfix: <c>${stress?10}</c> seconds).</summary>
    public TimeSpan StressCommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>Limits:ListenBacklog</c>: connections the kernel holds for each listener until they are accepted.
    /// Unset: the kernel's maximum (<c>net.core.somaxconn</c>), so a burst on a fresh server is answered, not dropped.
    /// </summary>
    public int? ListenBacklog { get; set; }

    /// <summary><c>Limits:ShutdownGracePeriod</c>: how long a message being received may take to finish at shutdown.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Validate()
    {
        if (MaxMessageSize < 1024)
        {
            yield return $"Herald:Limits:MaxMessageSize: {MaxMessageSize} is below the minimum of 1024 octets.";
        }

        if (MaxConnections < 0)
        {
            yield return $"Herald:Limits:MaxConnections: {MaxConnections} must be 0 (no limit) or more.";
        }

        if (MaxConnectionsPerIp < 0)
        {
            yield return $"Herald:Limits:MaxConnectionsPerIp: {MaxConnectionsPerIp} must be 0 (no limit) or more.";
        }

        if (MaxRecipients < 1)
        {
            yield return $"Herald:Limits:MaxRecipients: {MaxRecipients} must be at least 1 (RFC 5321 asks for 100).";
        }

        if (HardErrorLimit < 1)
        {
            yield return $"Herald:Limits:HardErrorLimit: {HardErrorLimit} must be at least 1.";
        }

        if (StressThreshold is < 0 or > 100)
        {
            yield return $"Herald:Limits:StressThreshold: {StressThreshold} must be a percentage from 0 (off) to 100.";
        }

        if (StressCommandTimeout <= TimeSpan.Zero)
        {
            yield return "Herald:Limits:StressCommandTimeout: must be a positive time span (e.g. 00:00:10).";
        }

        if (ListenBacklog is < 1)
        {
            yield return $"Herald:Limits:ListenBacklog: {ListenBacklog} must be at least 1 (or left out for the kernel's maximum).";
        }

        if (CommandTimeout <= TimeSpan.Zero)
        {
            yield return "Herald:Limits:CommandTimeout: must be a positive time span (e.g. 00:05:00).";
        }

        if (DataTimeout <= TimeSpan.Zero)
        {
            yield return "Herald:Limits:DataTimeout: must be a positive time span (e.g. 00:10:00).";
        }

        if (ShutdownGracePeriod < TimeSpan.Zero)
        {
            yield return "Herald:Limits:ShutdownGracePeriod: must not be negative.";
        }

        if (MaxCommandLineLength is < 512 or > 65536)
        {
            yield return $"Herald:Limits:MaxCommandLineLength: {MaxCommandLineLength} must be between 512 (RFC 5321 §4.5.3.1.4) and 65536.";
        }
    }
}

/// <summary><c>Smtp</c>: protocol behaviour.</summary>
public sealed class SmtpOptions
{
    /// <summary><c>Smtp:BareLineFeed</c>: <c>normalize</c> (default) or <c>reject</c>.</summary>
    public LineEndingPolicy BareLineFeed { get; set; } = LineEndingPolicy.Normalize;

    /// <summary>
    /// <c>Smtp:RejectEarlyTalkers</c>: a client that sends before the greeting (spamware that does not
    /// wait, Postfix postscreen's "pregreet" test) gets <c>554 5.5.0</c> and is closed. 554 rather than 421:
    /// a client that ignores the protocol's first rule will not do better on a retry. Off by default.
    /// </summary>
    public bool RejectEarlyTalkers { get; set; }

    /// <summary>
    /// <c>Smtp:GreetingDelay</c>: how long to wait before the greeting, giving early talkers time to
    /// show themselves (postscreen waits 6 s). Zero by default: then only bytes that arrived before the
    /// greeting was written are caught.
    /// </summary>
    public TimeSpan GreetingDelay { get; set; } = TimeSpan.Zero;
}

/// <summary><c>NoMail</c>: how a listener that accepts no mail behaves.</summary>
public sealed class NoMailOptions
{
    /// <summary>
    /// <c>NoMail:KeepOpen</c>: false (default) closes right after the 521 greeting, as RFC 7504 prefers;
    /// true answers every command but QUIT with 521 until QUIT or the command timeout.
    /// </summary>
    public bool KeepOpen { get; set; }
}
