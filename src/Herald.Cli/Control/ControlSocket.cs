// Where the control socket lives: a 0700 folder in the data directory, so only its owner (and root) can connect.
namespace Herald.Cli.Control;

internal static class ControlSocket
{
    public static string PathFor(string dataDirectory) => Path.Combine(dataDirectory, "run", "control.sock");
}
