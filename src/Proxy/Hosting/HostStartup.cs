using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Proxy.Hosting;

/// <summary>
/// Builds and runs a host (the standalone host and the Functions worker alike), and turns a failure to start into one
/// line on standard error and exit code 1: the setting and what is wrong with it, never a stack trace, whose frames and
/// messages can carry a connection string.
/// </summary>
public static partial class HostStartup
{
    public static int Run(Func<IHost> build, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(error);
        // Run disposes the host, so whether it got as far as starting is read from a token taken before.
        var started = CancellationToken.None;
        try
        {
            using var host = build();
            started = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted;
            host.Run();
            return 0;
        }
        catch (Exception exception) when (!started.IsCancellationRequested)
        {
            error.WriteLine("The proxy did not start: " + Describe(exception));
            return 1;
        }
    }

    /// <summary>What an operator needs to fix, from the exception a bad setting causes at start-up.</summary>
    internal static string Describe(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case OptionsValidationException validation:
                    return string.Join(" ", validation.Failures);
                case InvalidSettingException setting:
                    return setting.Message;
                case InvalidOperationException binding when BinderFailure().Match(binding.Message) is { Success: true } match:
                    return $"{match.Groups["path"].Value.Replace(":", "__", StringComparison.Ordinal)} cannot be read as {Describe(match.Groups["type"].Value)}.";
                case System.Net.HttpListenerException listener:
                    // Only the standalone host's Prometheus endpoint listens with an HttpListener.
                    return $"Proxy__Telemetry__PrometheusEndpoint cannot be listened on: {listener.Message}.";
                case IOException bind when bind.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                    || bind.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase):
                    return bind.Message;
            }
        }

        return "an unexpected fault during start-up (its details are not printed, since they can carry settings).";
    }

    /// <summary>An enum's names, or a type's short name: what the configuration binder could not convert to.</summary>
    private static string Describe(string typeName)
    {
        var type = typeof(HostStartup).Assembly.GetType(typeName) ?? Type.GetType(typeName);
        return type is { IsEnum: true }
            ? "one of " + string.Join(", ", Enum.GetNames(type))
            : "a " + (type?.Name ?? typeName[(typeName.LastIndexOf('.') + 1)..]);
    }

    [GeneratedRegex(@"Failed to convert configuration value (?:'[^']*' )?at '(?<path>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex BinderFailure();
}
