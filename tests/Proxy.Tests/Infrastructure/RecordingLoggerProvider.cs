using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Proxy.Tests.Infrastructure;

/// <summary>Keeps every log event of an in-process service collection, as event id and formatted text, for tests that read what was logged.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(int EventId, string Text)> Events { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(Events);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(int EventId, string Text)> events) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            events.Enqueue((eventId.Id, formatter(state, exception)));
    }
}
