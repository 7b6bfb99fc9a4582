// A temporary directory for one test, deleted when the test ends.
namespace Herald.TestSupport.Files;

public sealed class TempDirectory : IDisposable
{
    /// <param name="prefix">Names the folder under the system temporary directory, e.g. "herald-queue-tests".</param>
    public TempDirectory(string prefix = "herald-tests")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
