// Finds files of the repository from a running test, wherever the test binaries are.
namespace Herald.TestSupport.Files;

public static class RepositoryPaths
{
    /// <summary>The folder holding Herald.slnx.</summary>
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Herald.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Herald.slnx not found above " + AppContext.BaseDirectory);
    }
}
