// Logs the moment a store loses Redis and the moment it has it back: one line each, not one per operation.
using Microsoft.Extensions.Logging;

namespace Herald.Cluster;

/// <summary>
/// Every failed operation says what it decided where it is decided (the session's reply line, the
/// greylisting warning); this adds the two lines an operator looks for: when a store lost Redis, with the
/// reason and the consequence, and when it reached it again.
/// </summary>
internal sealed class StoreOutage(ILogger logger, string store, string consequence)
{
    private int _down;

    public void Failed(Exception error)
    {
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            logger.LogWarning("cluster: {Store} cannot reach Redis ({Reason}); {Consequence}", store, error.Message, consequence);
        }
    }

    public void Succeeded()
    {
        if (Volatile.Read(ref _down) == 1 && Interlocked.Exchange(ref _down, 0) == 1)
        {
            logger.LogInformation("cluster: {Store} reaches Redis again", store);
        }
    }
}
