// A logger factory whose loggers all keep their lines in one list, for code that creates its own loggers.
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Herald.TestSupport.Logging;

public sealed class CapturingLoggerFactory : ILoggerFactory
{
    /// <summary>Every line logged through any logger of this factory, with its category.</summary>
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>The messages logged at <paramref name="level"/> or above.</summary>
    public IReadOnlyList<string> AtLeast(LogLevel level) => [.. Lines.Where(l => l.Level >= level).Select(l => l.Message)];

    private sealed class Logger(CapturingLoggerFactory factory, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            factory.Lines.Enqueue((category, logLevel, formatter(state, exception)));
    }
}
