// A listener could not take its address: a clear message instead of a socket stack trace.
namespace Herald.Server;

/// <summary>Thrown at start-up when a listener cannot bind, e.g. because the port is in use.</summary>
public sealed class ListenerBindException : Exception
{
    public ListenerBindException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ListenerBindException()
    {
    }

    public ListenerBindException(string message)
        : base(message)
    {
    }
}
