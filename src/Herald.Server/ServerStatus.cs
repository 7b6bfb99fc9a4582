// The run-time state of the server that admission and sessions consult: maintenance and draining.
namespace Herald.Server;

/// <summary>
/// Switches read on every connection and every MAIL. Maintenance can be flipped at run time by the
/// control channel (and later the admin API); draining is set once when shutdown begins.
/// </summary>
public sealed class ServerStatus
{
    private volatile bool _maintenance;
    private volatile bool _draining;

    public ServerStatus(bool maintenance = false) => _maintenance = maintenance;

    public bool Maintenance => _maintenance;

    public bool Draining => _draining;

    public event Action<bool>? MaintenanceChanged;

    public void SetMaintenance(bool on)
    {
        _maintenance = on;
        MaintenanceChanged?.Invoke(on);
    }

    internal void BeginDrain() => _draining = true;
}
