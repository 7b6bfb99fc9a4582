// Socket options that let a restarted server rebind at once, and never let two servers share a port.
using System.Net.Sockets;

namespace Herald.Server.Listeners;

/// <summary>
/// Makes a listening socket rebindable past TIME_WAIT but exclusive to this process.
/// </summary>
/// <remarks>
/// .NET's <see cref="SocketOptionName.ReuseAddress"/> sets both SO_REUSEADDR and SO_REUSEPORT on Linux, and
/// SO_REUSEPORT lets a second server bind the same endpoint while the kernel splits connections between
/// them. Only SO_REUSEADDR is wanted (socket(7): it lets a bind succeed over connections in TIME_WAIT but
/// refuses an endpoint that has a listener), so on Linux it is set on its own. Windows has no TIME_WAIT
/// problem on bind and is made exclusive instead.
/// </remarks>
internal static class ExclusiveAddress
{
    // <asm-generic/socket.h>: SOL_SOCKET 1, SO_REUSEADDR 2.
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    public static void Apply(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        }
        else if (OperatingSystem.IsWindows())
        {
            socket.ExclusiveAddressUse = true;
        }
        else
        {
            // BSD and macOS: .NET maps ReuseAddress to SO_REUSEADDR alone there.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }
    }
}
