// The seam through which the queue store fsyncs its directories.
namespace Herald.Queue.Files;

/// <summary>Fsyncs one directory; tests stand in for it to observe and pace group commit.</summary>
internal interface IDirectorySync
{
    void Flush(string directory);
}

/// <summary>The real thing: <see cref="FileSystemDurability.FlushDirectory"/>.</summary>
internal sealed class PosixDirectorySync : IDirectorySync
{
    public static readonly PosixDirectorySync Instance = new();

    public void Flush(string directory) => FileSystemDurability.FlushDirectory(directory);
}
