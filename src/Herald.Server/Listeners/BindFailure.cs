// Why a socket could not listen, in the operator's words: shared by the SMTP listeners and the admin endpoint.
using System.Net.Sockets;

namespace Herald.Server;

/// <summary>Turns the socket error of a failed bind into the reason shown in one start-up line.</summary>
public static class BindFailure
{
    public static string Describe(SocketException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => "the address is already in use (is another server running?)",
            SocketError.AddressNotAvailable => "the address does not belong to this machine",
            SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
            _ => error.Message,
        };
    }
}
