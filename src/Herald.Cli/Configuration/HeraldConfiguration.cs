// Where configuration comes from: embedded defaults, --config file, HERALD__ environment variables, --set.
using Microsoft.Extensions.Configuration;

namespace Herald.Cli.Configuration;

/// <summary>Builds the configuration every command reads, with later sources overriding earlier ones.</summary>
internal static class HeraldConfiguration
{
    public const string Section = "Herald";

    /// <param name="configFile">The <c>--config</c> JSON file; its settings sit under a <c>Herald</c> section.</param>
    /// <param name="overrides"><c>--set Key=Value</c> items, keys relative to the section (e.g. <c>Limits:MaxRecipients=50</c>).</param>
    public static IConfiguration Load(string? configFile, IEnumerable<string> overrides)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            string full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new ConfigurationException($"--config: the file '{full}' does not exist.");
            }

            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        // HERALD__LIMITS__MAXRECIPIENTS=50 is read as Herald:Limits:MaxRecipients: "__" is the
        // section separator and configuration keys are case-insensitive.
        builder.AddEnvironmentVariables();
        var set = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (string item in overrides)
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ConfigurationException($"--set: '{item}' is not Key=Value.");
            }

            set[Section + ":" + item[..eq].Trim()] = item[(eq + 1)..];
        }

        builder.AddInMemoryCollection(set);
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new ConfigurationException($"--config: '{configFile}' is not valid JSON: {e.InnerException?.Message ?? e.Message}");
        }
    }
}
