// The seam through which the resource monitor reads free disk and memory, so tests can fake both.
namespace Herald.Policy.Resources;

/// <summary>Reads the machine's resources. Called at most once a second by <see cref="ResourceMonitor"/>.</summary>
public interface IResourceProbe
{
    /// <summary>Bytes free to this process in the file system of the data directory; null when it cannot be read.</summary>
    long? FreeDiskBytes();

    /// <summary>Bytes of managed memory in use.</summary>
    long MemoryBytes();
}
