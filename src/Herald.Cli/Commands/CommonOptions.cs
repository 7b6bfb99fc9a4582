// Options shared by every command that reads the configuration or the data directory.
using System.CommandLine;
using Herald.Cli.Configuration;

namespace Herald.Cli.Commands;

internal static class CommonOptions
{
    public static readonly Option<string?> Config = new("--config", "-c")
    {
        Description = "JSON configuration file; settings sit under a \"Herald\" section.",
    };

    public static readonly Option<string[]> Set = new("--set")
    {
        Description = "Override one setting, e.g. --set Limits:MaxRecipients=50 (repeatable).",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static HeraldSettings LoadSettings(ParseResult parseResult) =>
        HeraldSettings.Load(HeraldConfiguration.Load(parseResult.GetValue(Config), parseResult.GetValue(Set) ?? []));
}
