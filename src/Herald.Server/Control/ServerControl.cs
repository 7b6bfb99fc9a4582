// What an operator can ask of a running server; the control socket and the admin API both call this.
namespace Herald.Server.Control;

/// <summary>Executes control requests against the live server state.</summary>
public sealed class ServerControl(ServerStatus status, SmtpServer server, Action requestStop)
{
    public ControlResponse Execute(ControlRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        switch (request.Command)
        {
            case "maintenance" when request.On is { } on:
                status.SetMaintenance(on, request.Message);
                return new ControlResponse(true, on
                    ? "maintenance on: new connections and new transactions get 421 4.3.2"
                    : "maintenance off: accepting mail");
            case "status":
                return new ControlResponse(true, string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"sessions={server.Connections.Count} maintenance={(status.Maintenance ? "on" : "off")} draining={(status.Draining ? "yes" : "no")}"));
            case "stop":
                requestStop();
                return new ControlResponse(true, "stopping: draining sessions");
            default:
                return new ControlResponse(false, $"unknown control command '{request.Command}'");
        }
    }
}
