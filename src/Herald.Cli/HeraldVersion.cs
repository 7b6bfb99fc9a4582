// The version of this build, as `herald version` prints it and the admin API reports it.
using System.Reflection;

namespace Herald.Cli;

internal static class HeraldVersion
{
    public static string Current { get; } =
        typeof(HeraldVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
