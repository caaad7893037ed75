using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// The console log of a host built inside the test process: each event formatted by the console formatter the host's
/// settings chose, exactly as the host's process would print it, and kept as lines instead of written to the console
/// the test process shares with every other host it runs.
/// </summary>
[ProviderAlias("Console")]
internal sealed class CapturedConsoleLog(
    IOptionsMonitor<ConsoleLoggerOptions> options, IEnumerable<ConsoleFormatter> formatters, ConcurrentQueue<string> lines)
    : ILoggerProvider, ISupportExternalScope
{
    private readonly ConsoleFormatter _formatter =
        formatters.First(formatter => formatter.Name == (options.CurrentValue.FormatterName ?? ConsoleFormatterNames.Simple));

    private readonly ConcurrentQueue<string> _lines = lines;

    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Puts the captured log in place of the console logger <paramref name="services"/> registered.</summary>
    public static void Replace(IServiceCollection services, ConcurrentQueue<string> lines)
    {
        foreach (var console in services.Where(descriptor => descriptor.ImplementationType == typeof(ConsoleLoggerProvider)).ToList())
        {
            services.Remove(console);
        }

        services.AddSingleton<ILoggerProvider>(provider => new CapturedConsoleLog(
            provider.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(), provider.GetServices<ConsoleFormatter>(), lines));

        // As a process whose output goes to a pipe prints it: no colour codes.
        services.Configure<SimpleConsoleFormatterOptions>(formatter => formatter.ColorBehavior = LoggerColorBehavior.Disabled);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedConsoleLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => log._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            using var text = new StringWriter();
            log._formatter.Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), log._scopes, text);
            foreach (var line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                log._lines.Enqueue(line.TrimEnd('\r'));
            }
        }
    }
}
