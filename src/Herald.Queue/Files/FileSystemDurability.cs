// Makes directory entries durable: the fsync of a directory that a rename or an unlink changed.
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Herald.Queue.Files;

/// <summary>
/// Directory fsync, which .NET does not offer: a rename is durable only once the directory that holds
/// the new name is fsynced (POSIX leaves it to the file system; ext4 without it may lose the rename on
/// power loss). Public because local delivery into Maildir needs the same step for its new/ folder.
/// </summary>
public static partial class FileSystemDurability
{
    private const int EINTR = 4;
    private const int EINVAL = 22;

    /// <summary>
    /// Fsyncs the directory at <paramref name="path"/>. A no-op on Windows, where NTFS journals
    /// directory changes and a directory cannot be opened for flushing this way.
    /// </summary>
    public static void FlushDirectory(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int fd = Open(path, OpenDirectoryFlags());
        if (fd < 0)
        {
            throw Error("open", path);
        }

        try
        {
            int result;
            do
            {
                result = Fsync(fd);
            }
            while (result < 0 && Marshal.GetLastPInvokeError() == EINTR);

            // EINVAL: the file system does not sync directories (some network and FUSE ones); nothing to do.
            if (result < 0 && Marshal.GetLastPInvokeError() != EINVAL)
            {
                throw Error("fsync", path);
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // O_RDONLY is 0 everywhere; O_DIRECTORY differs: 0x10000 in Linux's generic and x86 headers,
    // 0x4000 on Linux arm and powerpc, 0x20000 on FreeBSD, 0x100000 on macOS.
    private static int OpenDirectoryFlags()
    {
        if (OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsFreeBSD())
        {
            return OperatingSystem.IsFreeBSD() ? 0x20000 : 0x100000;
        }

        return RuntimeInformation.ProcessArchitecture is Architecture.Arm or Architecture.Armv6 or Architecture.Arm64 or Architecture.Ppc64le
            ? 0x4000
            : 0x10000;
    }

    private static IOException Error(string call, string path)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call}({path}) failed: {Marshal.GetPInvokeErrorMessage(errno)}", new Win32Exception(errno));
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
