// The loggers the admin's web host writes to: those of `herald serve`, without the web host's own start-up report.
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Admin;

/// <summary>
/// Hands out the loggers of <c>herald serve</c>, except for the inner web host's own category: a failed bind is
/// reported once, as one line by <c>herald serve</c>, not again as a hosting failure with a stack trace.
/// </summary>
internal sealed class HostLoggers(ILoggerFactory loggers) : ILoggerFactory
{
    private const string HostCategory = "Microsoft.Extensions.Hosting";

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith(HostCategory, StringComparison.Ordinal) ? NullLogger.Instance : loggers.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => loggers.AddProvider(provider);

    /// <summary>The loggers belong to <c>herald serve</c>, which disposes them.</summary>
    public void Dispose()
    {
    }
}
