// Counts open sessions, in all and per client address, for the connection limits and for drain.
using System.Net;

namespace Herald.Server.Admission;

/// <summary>The open sessions of the server. Thread-safe; every operation is O(1) but <see cref="Snapshot"/>.</summary>
public sealed class ConnectionRegistry
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly HashSet<object> _sessions = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    public int CountFrom(IPAddress address)
    {
        lock (_lock)
        {
            return _perAddress.GetValueOrDefault(Normalize(address));
        }
    }

    internal void Add(object session, IPAddress address)
    {
        lock (_lock)
        {
            _sessions.Add(session);
            address = Normalize(address);
            _perAddress[address] = _perAddress.GetValueOrDefault(address) + 1;
        }
    }

    internal void Remove(object session, IPAddress address)
    {
        lock (_lock)
        {
            if (!_sessions.Remove(session))
            {
                return;
            }

            address = Normalize(address);
            int left = _perAddress.GetValueOrDefault(address) - 1;
            if (left <= 0)
            {
                _perAddress.Remove(address);
            }
            else
            {
                _perAddress[address] = left;
            }
        }
    }

    internal IReadOnlyList<T> Snapshot<T>()
    {
        lock (_lock)
        {
            return [.. _sessions.OfType<T>()];
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
