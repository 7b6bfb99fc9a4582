// How many connections the kernel may hold for a listener before Herald accepts them.
using System.Globalization;

namespace Herald.Server.Listeners;

/// <summary>
/// The listen(2) backlog: <c>Limits:ListenBacklog</c> when set, else the kernel's own ceiling
/// (<c>net.core.somaxconn</c>), so that a burst of connections on a fresh server waits in the kernel for
/// a greeting or a 421 instead of being dropped. listen(2) silently caps any larger value at somaxconn.
/// </summary>
internal static class ListenBacklog
{
    /// <summary>The value used where the kernel's ceiling cannot be read (Linux's default since 5.4).</summary>
    public const int Fallback = 4096;

    private const string SomaxconnPath = "/proc/sys/net/core/somaxconn";

    public static int Resolve(int? configured) => configured ?? KernelMaximum() ?? Fallback;

    /// <summary>net.core.somaxconn, or null where there is no /proc (not Linux, or a sandbox without it).</summary>
    public static int? KernelMaximum()
    {
        try
        {
            return int.TryParse(File.ReadAllText(SomaxconnPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
                ? value
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
