// Reads free disk space (statvfs through DriveInfo) and the managed heap size of this process.
namespace Herald.Policy.Resources;

/// <summary>The real probe over a data directory.</summary>
public sealed class SystemResourceProbe : IResourceProbe
{
    private readonly string _directory;

    public SystemResourceProbe(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        _directory = Path.GetFullPath(dataDirectory);
    }

    /// <summary>
    /// <see cref="DriveInfo.AvailableFreeSpace"/>: the space an unprivileged writer may use (statvfs
    /// f_bavail on Unix), not the space reserved for root. The directory may not exist yet at start-up,
    /// so the nearest existing parent is asked; it lives on the same file system until a mount says
    /// otherwise, and by then the directory exists.
    /// </summary>
    public long? FreeDiskBytes()
    {
        try
        {
            string? path = _directory;
            while (path is not null && !Directory.Exists(path))
            {
                path = Path.GetDirectoryName(path);
            }

            return path is null ? null : new DriveInfo(path).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// <see cref="GC.GetTotalMemory(bool)"/> without forcing a collection: cheap, and counts garbage not
    /// yet collected, so a ceiling is met a little early rather than late.
    /// </summary>
    public long MemoryBytes() => GC.GetTotalMemory(forceFullCollection: false);
}
