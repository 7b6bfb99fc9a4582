// A configuration problem, reported as one clear line and exit code 78 (EX_CONFIG).
namespace Herald.Cli.Configuration;

internal sealed class ConfigurationException : Exception
{
    public ConfigurationException(string message)
        : base(message)
    {
    }

    public ConfigurationException()
    {
    }

    public ConfigurationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
