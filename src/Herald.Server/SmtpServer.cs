// The receiving server as a hosted service: starts the listeners and drains them at shutdown.
using System.Net;
using Herald.Policy;
using Herald.Policy.Authentication;
using Herald.Queue;
using Herald.Server.Admission;
using Herald.Server.Listeners;
using Herald.Server.Sessions;
using Herald.Server.Tls;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Server;

/// <summary>
/// Runs every listener. Shutdown has two phases with a deadline, as Kestrel's: first each session is
/// asked to close (idle ones get 421 at once, one receiving a message may finish it within
/// <c>Limits:ShutdownGracePeriod</c>); then whatever is left is aborted with 421 and nothing partial stored.
/// </summary>
public sealed class SmtpServer : IHostedService, IAsyncDisposable
{
    private readonly ServerOptions _options;
    private readonly ReceivingPolicy _policy;
    private readonly TlsContext? _tls;
    private readonly ICredentialVerifier? _credentials;
    private readonly IQueueStore _queue;
    private readonly IReadOnlyList<IConnectionGate> _extraGates;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly List<(SmtpListener Listener, Task AcceptLoop)> _listeners = [];
    private readonly CancellationTokenSource _abortSessions = new();
    private List<(SmtpListener Listener, SessionServices Services)> _bound = [];

    public SmtpServer(
        ServerOptions options,
        ReceivingPolicy policy,
        IQueueStore queue,
        ServerStatus status,
        IEnumerable<IConnectionGate> gates,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        TlsContext? tls = null,
        ICredentialVerifier? credentials = null,
        ServerMetrics? metrics = null)
    {
        _tls = tls;
        Metrics = metrics ?? ServerMetrics.Unexported;
        _credentials = credentials;
        _options = options;
        _policy = policy;
        _queue = queue;
        Status = status;
        _extraGates = [.. gates];
        _time = time;
        Pressure = new SlotPressure(options.Limits, Connections, time);
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("Herald.Server");
    }

    public ServerStatus Status { get; }

    /// <summary>The instruments every listener and session of this server counts on.</summary>
    public ServerMetrics Metrics { get; }

    /// <summary>True from the end of <see cref="StartAsync"/> until shutdown begins: the listeners are taking connections.</summary>
    public bool IsAccepting { get; private set; }

    public ConnectionRegistry Connections { get; } = new();

    /// <summary>The stress rules over <see cref="Connections"/>: shorter timeouts, and the idlest session gives way.</summary>
    public SlotPressure Pressure { get; }

    /// <summary>The bound endpoints, by listener name (useful when a port 0 was asked for).</summary>
    public IReadOnlyDictionary<string, IPEndPoint> Endpoints { get; private set; } = new Dictionary<string, IPEndPoint>();

    /// <summary>
    /// Binds every listener without accepting yet, so that a port in use stops start-up before anything
    /// else runs. Connections that arrive now wait in the backlog until <see cref="StartAsync"/>.
    /// </summary>
    public void Bind()
    {
        if (_bound.Count > 0)
        {
            return;
        }

        // Drain and maintenance come first: while either holds, no other gate needs asking.
        IConnectionGate[] gates =
        [
            new StatusGate(Status, _options.Hostname),
            new ConnectionLimitGate(_options.Limits, _options.Hostname, _policy.TrustedNetworks.Contains, Pressure),
            .. _policy.ConnectChecks.Select(check => new PolicyGate(check)),
            .. _extraGates,
        ];
        var endpoints = new Dictionary<string, IPEndPoint>(StringComparer.OrdinalIgnoreCase);
        var listeners = new List<(SmtpListener Listener, SessionServices Services)>();
        try
        {
            foreach (ListenerOptions listenerOptions in _options.EffectiveListeners)
            {
                if (!EndpointParser.TryParse(listenerOptions.Endpoint, out IPEndPoint? endpoint))
                {
                    throw new ListenerBindException($"Listener '{listenerOptions.Name}': '{listenerOptions.Endpoint}' is not ip:port.");
                }

                var services = new SessionServices(
                    _options, listenerOptions, _policy, _queue, Status, _time,
                    _loggerFactory.CreateLogger("Herald.Smtp." + listenerOptions.Name), _tls, _credentials, Metrics)
                {
                    Pressure = Pressure,
                };
                if (listenerOptions.ImplicitTls && _tls is null)
                {
                    throw new ListenerBindException($"Listener '{listenerOptions.Name}' asks for ImplicitTls but no certificate is available.");
                }

                var listener = new SmtpListener(services, endpoint, gates, Connections);
                listeners.Add((listener, services));
                endpoints[listenerOptions.Name] = listener.LocalEndPoint;
            }
        }
        catch (ListenerBindException)
        {
            foreach ((SmtpListener listener, _) in listeners)
            {
                listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw;
        }

        _bound = listeners;
        Endpoints = endpoints;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Bind();
        foreach ((SmtpListener listener, SessionServices services) in _bound)
        {
            _listeners.Add((listener, listener.AcceptLoopAsync(_abortSessions.Token)));
            _logger.LogInformation(
                "listener {Name} on {Endpoint}, {Mode}", services.Listener.Name, listener.LocalEndPoint,
                services.AcceptsMail ? "accepting mail" : "refusing all mail (521)");
        }

        IsAccepting = true;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs one session over <paramref name="stream"/> outside any listener, for a client that is not on
    /// the network: <c>herald sendmail -bs</c> speaks SMTP over standard input and output this way. The
    /// session has the server-wide settings (no listener's <c>AcceptMail</c> override), sees
    /// <paramref name="client"/> as the client's address (trusted when it is in the trusted networks of this
    /// server's policy), and ends at QUIT, at the end of the input or at <paramref name="abort"/>.
    /// No admission gate applies: there is no connection to count.
    /// </summary>
    public async Task RunSessionAsync(Stream stream, IPEndPoint client, CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(client);
        var listener = new ListenerOptions { Name = "local", Endpoint = client.ToString() };
        // Neither STARTTLS nor AUTH: the stream never leaves this machine, and who is on it is the policy's to say.
        var services = new SessionServices(
            _options, listener, _policy, _queue, Status, _time, _loggerFactory.CreateLogger("Herald.Smtp.local"), Tls: null, Credentials: null, Metrics);
        await using var session = new SmtpSession(services, stream, client);
        await session.RunAsync(abort).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        IsAccepting = false;
        Status.BeginDrain();
        IReadOnlyList<SmtpSession> sessions = Connections.Snapshot<SmtpSession>();
        _logger.LogInformation("draining {Count} sessions, grace period {Grace}", sessions.Count, _options.Limits.ShutdownGracePeriod);
        foreach (SmtpSession session in sessions)
        {
            session.RequestShutdown();
        }

        Task allSessions = Task.WhenAll(_listeners.Select(l => l.Listener.SessionsCompletion()));
        Task grace = Task.Delay(_options.Limits.ShutdownGracePeriod, _time, cancellationToken);
        if (await Task.WhenAny(allSessions, grace).ConfigureAwait(false) != allSessions)
        {
            _logger.LogWarning("grace period over; aborting {Count} sessions", Connections.Count);
            await _abortSessions.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(allSessions, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
        }

        foreach ((SmtpListener listener, Task acceptLoop) in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
            await acceptLoop.ConfigureAwait(false);
        }

        _logger.LogInformation("server stopped");
    }

    public async ValueTask DisposeAsync()
    {
        foreach ((SmtpListener listener, _) in _bound)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        _abortSessions.Dispose();
    }
}
