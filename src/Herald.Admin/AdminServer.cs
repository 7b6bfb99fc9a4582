// Runs the admin API inside `herald serve`: bound with the SMTP listeners, stopped after them.
using System.Net;
using System.Net.Sockets;
using Herald.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Admin;

/// <summary>
/// A hosted service of <c>herald serve</c> that owns a small ASP.NET Core web host of its own (Kestrel on the
/// admin endpoint, minimal APIs), handed the live objects it may use (<see cref="AdminContext"/>). Keeping the web
/// host apart keeps HTTP out of the SMTP host's container and lets the API be left out entirely
/// (<c>Admin:Enabled=false</c>). It is registered before every other service, so it starts first (a port in use
/// stops start-up before the queue or delivery run; /readyz says "starting" meanwhile) and stops last (probes see
/// the drain).
/// </summary>
public sealed class AdminServer : IHostedService, IAsyncDisposable
{
    private readonly AdminOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private AdminContext _context;
    private WebApplication? _app;

    public AdminServer(AdminOptions options, AdminContext context, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(loggers);
        _options = options;
        _context = context;
        _loggers = loggers;
        _logger = loggers.CreateLogger("Herald.Admin");
    }

    /// <summary>Where the API listens once bound (the actual port when 0 was configured); null before.</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>
    /// Starts listening. Safe to call before the host starts (<c>herald serve</c> does, right after binding the SMTP
    /// listeners) and again from <see cref="StartAsync"/>.
    /// </summary>
    /// <exception cref="ListenerBindException">The endpoint cannot be listened on, e.g. the port is in use.</exception>
    public async Task BindAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            return;
        }

        if (!_options.TryGetEndPoint(out IPEndPoint? endpoint))
        {
            throw new ListenerBindException($"Admin endpoint '{_options.Endpoint}' is not ip:port.");
        }

        _context = _context with { StartedAt = _context.Time.GetUtcNow() };
        WebApplication app = AdminApplication.Build(_options, _context, _loggers, endpoint);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (BindError(e) is { } why)
        {
            await app.DisposeAsync();
            throw new ListenerBindException($"Admin endpoint cannot listen on {endpoint}: {why}.", e);
        }

        _app = app;
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? endpoint.ToString();
        LocalEndPoint = IPEndPoint.Parse(new Uri(address).Authority);
        _logger.LogInformation(
            "admin API on http://{Endpoint}/ (dashboard /, metrics /metrics); {Access}",
            LocalEndPoint,
            _options.EffectiveToken is null ? "no token: open to local users"
            : _options.IsLoopback ? "token required for changes" : "token required");
    }

    public Task StartAsync(CancellationToken cancellationToken) => BindAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>The reason a bind failed, in the words the SMTP listeners use; null for any other failure.</summary>
    private static string? BindError(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case AddressInUseException:
                    return BindFailure.Describe(new SocketException((int)SocketError.AddressAlreadyInUse));
                case SocketException socket:
                    return BindFailure.Describe(socket);
            }
        }

        return null;
    }
}
