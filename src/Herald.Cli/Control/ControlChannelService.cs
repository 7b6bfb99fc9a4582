// Serves the local control channel on a Unix socket while `herald serve` runs.
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Herald.Cli.Configuration;
using Herald.Server.Control;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Cli.Control;

/// <summary>
/// Listens on <c>&lt;DataDirectory&gt;/run/control.sock</c>. The folder is made 0700 before the socket exists and
/// the socket is 0600, so there is no moment when another user could connect.
/// </summary>
internal sealed class ControlChannelService(
    HeraldSettings settings, ServerControl control, QueueControlHandler queue, ILogger<ControlChannelService> logger) : BackgroundService
{
    private Socket? _socket;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        string path = ControlSocket.PathFor(settings.DataDirectory);
        string folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (File.Exists(path))
        {
            // Left by a process that died; a live server would still be answering on it.
            File.Delete(path);
        }

        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _socket.Bind(new UnixDomainSocketEndPoint(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _socket.Listen(16);
        logger.LogInformation("control channel on {Path}", path);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _socket?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            File.Delete(ControlSocket.PathFor(settings.DataDirectory));
        }
        catch (IOException)
        {
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket!.AcceptAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(client, stoppingToken);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stoppingToken)
    {
        using (client)
        await using (var stream = new NetworkStream(client))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            ControlResponse response;
            try
            {
                string? line = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
                ControlRequest? request = line is null ? null : JsonSerializer.Deserialize<ControlRequest>(line);
                response = request is null ? new ControlResponse(false, "empty request")
                    : QueueControlHandler.Handles(request) ? await queue.ExecuteAsync(request, stoppingToken).ConfigureAwait(false)
                    : control.Execute(request);
                // One line per request; the queue id only where the command names one.
                string target = request?.Id is { Length: > 0 } id ? " " + id : string.Empty;
                logger.LogInformation("control: {Command}{Target} -> {Text}", request?.Command ?? "(none)", target, response.Text);
            }
            catch (JsonException)
            {
                response = new ControlResponse(false, "malformed request");
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                return;
            }

            // Not tied to stoppingToken: `herald stop` itself starts the shutdown and must still hear its answer.
            using var writeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            byte[] bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(response) + "\n");
            try
            {
                await stream.WriteAsync(bytes, writeTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                logger.LogWarning("control: the client left before the answer was written");
            }
        }
    }
}
