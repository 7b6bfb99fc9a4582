// Compares output with a text file under Snapshots/, exactly. HERALD_UPDATE_SNAPSHOTS=1 rewrites the files.
using System.Runtime.CompilerServices;

namespace Herald.Cli.Tests.Commands;

internal static class Snapshot
{
    /// <summary>Runs <paramref name="args"/> through <see cref="CliRun"/>: it exits 0, writes no error, reads well and matches snapshot <paramref name="name"/>.</summary>
    public static void MatchScreen(string name, string[] args, [CallerFilePath] string caller = "")
    {
        CliResult result = CliRun.Run(args);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Error);
        ScreenRules.AssertReadable(result.Output);
        Match(name, result.Output, caller);
    }

    public static void Match(string name, string actual, [CallerFilePath] string caller = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(caller)!)!, "Snapshots");
        string path = Path.Combine(directory, name + ".txt");
        if (Environment.GetEnvironmentVariable("HERALD_UPDATE_SNAPSHOTS") == "1" || !File.Exists(path))
        {
            bool existed = File.Exists(path);
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, actual);
            Assert.True(existed, $"Snapshot {name} was missing and has been written; check it and run again.");
            return;
        }

        string expected = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Equal(expected, actual);
    }
}
