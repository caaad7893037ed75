using Microsoft.Extensions.Logging.Console;

namespace Proxy.Standalone;

/// <summary>
/// The standalone host's console log, for an operator or a log shipper to run by: every formatter available
/// (<c>Logging__Console__FormatterName=json</c> or <c>systemd</c>), UTC ISO 8601 timestamps unless the settings
/// give another format, and the simple format's events on one line each unless the settings say otherwise. (Under Azure Functions the host owns the worker's log output.)
/// </summary>
internal static class ConsoleLoggingExtensions
{
    private const string Timestamp = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
    private const string SingleLineSetting = "Logging:Console:FormatterOptions:SingleLine";

    public static ILoggingBuilder AddProxyConsole(this ILoggingBuilder logging, IConfiguration configuration)
    {
        // The slim builder's console logger ignores Logging:Console:FormatterName, so the formatter is chosen here.
        logging.ClearProviders();
        var formatter = configuration["Logging:Console:FormatterName"] ?? ConsoleFormatterNames.Simple;
        logging.AddConsole(options => options.FormatterName = formatter.ToLowerInvariant() switch
        {
            ConsoleFormatterNames.Json => ConsoleFormatterNames.Json,
            ConsoleFormatterNames.Systemd => ConsoleFormatterNames.Systemd,
            _ => ConsoleFormatterNames.Simple,
        });

        // After AddConsole, so these run after the settings are bound and only fill in what they left unset.
        // One line per event unless the settings say otherwise: the simple formatter's default puts the message on a
        // second line, without the timestamp, which neither grep nor a line-based shipper can tie back to its event.
        var singleLine = string.IsNullOrEmpty(configuration[SingleLineSetting]);
        logging.Services.Configure<SimpleConsoleFormatterOptions>(options =>
        {
            UseUtcTimestamps(options, Timestamp);
            options.SingleLine |= singleLine;
        });
        logging.Services.Configure<JsonConsoleFormatterOptions>(options => UseUtcTimestamps(options, Timestamp.TrimEnd()));
        logging.Services.Configure<ConsoleFormatterOptions>(options => UseUtcTimestamps(options, Timestamp));
        return logging;
    }

    private static void UseUtcTimestamps(ConsoleFormatterOptions options, string format)
    {
        if (options.TimestampFormat is null)
        {
            options.TimestampFormat = format;
            options.UseUtcTimestamp = true;
        }
    }
}
