// The run-time state of the server that admission and sessions consult: maintenance and draining.
namespace Herald.Server;

/// <summary>
/// Switches read on every connection and every MAIL. Maintenance can be flipped at run time by the
/// control channel and the admin API; draining is set once when shutdown begins.
/// </summary>
public sealed class ServerStatus
{
    private volatile bool _maintenance;
    private volatile bool _draining;
    private volatile string? _maintenanceReason;

    public ServerStatus(bool maintenance = false) => _maintenance = maintenance;

    public bool Maintenance => _maintenance;

    public bool Draining => _draining;

    /// <summary>The operator's words for the maintenance, shown in the 421 text; null for the standard text.</summary>
    public string? MaintenanceReason => _maintenanceReason;

    public event Action<bool>? MaintenanceChanged;

    public void SetMaintenance(bool on, string? reason = null)
    {
        _maintenanceReason = on && !string.IsNullOrWhiteSpace(reason) ? reason.ReplaceLineEndings(" ").Trim() : null;
        _maintenance = on;
        MaintenanceChanged?.Invoke(on);
    }

    internal void BeginDrain() => _draining = true;

    /// <summary>The reply for a connection or a MAIL refused because of maintenance.</summary>
    public Protocol.Replies.SmtpReply MaintenanceReply(string hostname) =>
        _maintenanceReason is { } reason
            ? Protocol.Replies.SmtpReplies.MaintenanceWithReason.Render(hostname, reason)
            : Protocol.Replies.SmtpReplies.Maintenance.Render(hostname);
}
