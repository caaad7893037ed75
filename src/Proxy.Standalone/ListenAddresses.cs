using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Proxy.Hosting;

namespace Proxy.Standalone;

/// <summary>
/// Where the standalone host listens. Kestrel reads a host name it cannot parse as an address as "every interface", and
/// an address it cannot read at all as its default port on every interface: <c>http://127.0.0.1:abc</c> listened on
/// <c>http://[::]:80</c>. So every address setting is checked before Kestrel reads it, a bad one stops the host naming
/// it, and with none the host listens on the loopback interface alone (<see cref="Default"/>): reaching it from other
/// machines is asked for (<c>*</c>, or an interface's address), never the fallback.
/// </summary>
public static partial class ListenAddresses
{
    /// <summary>This machine only, on the port the Functions host and <c>scripts/start-local.sh</c> use.</summary>
    public const string Default = "http://127.0.0.1:7071";

    private const string UrlsSetting = "ASPNETCORE_URLS (or --urls)";

    /// <summary>Checks the address settings Kestrel reads, and gives it <see cref="Default"/> when none is set.</summary>
    public static void Apply(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        if (configuration["https_ports"] is { Length: > 0 })
        {
            throw new InvalidSettingException("ASPNETCORE_HTTPS_PORTS", "cannot be served: the standalone host serves http only (put TLS in front of it).");
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            Check($"Kestrel__Endpoints__{endpoint.Key}__Url", endpoint["Url"] ?? string.Empty);
        }

        if (configuration["urls"] is { Length: > 0 } urls)
        {
            foreach (var address in urls.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                Check(UrlsSetting, address);
            }

            return;
        }

        if (configuration["http_ports"] is { Length: > 0 } ports)
        {
            // Kestrel listens on every interface on these, as a container's ASPNETCORE_HTTP_PORTS asks.
            foreach (var port in ports.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!IsPort(port, allowZero: false))
                {
                    throw new InvalidSettingException("ASPNETCORE_HTTP_PORTS", "must be port numbers from 1 to 65535, separated by ';'.");
                }
            }

            return;
        }

        if (!configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            builder.WebHost.UseUrls(Default);
        }
    }

    /// <summary>
    /// Once the server listens, one line with its addresses (a port 0 resolved) and whether other machines can reach
    /// them, in place of Kestrel's line per address.
    /// </summary>
    public static void LogWhenListening(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ListenAddresses).FullName!);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            if (!logger.IsEnabled(LogLevel.Information))
            {
                return;
            }

            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
            var listening = string.Join(", ", addresses.Select(SafeEndpoint.Describe));
            var reach = addresses.All(IsLoopback) ? "the loopback interface: this machine only" : "not only loopback: other machines can connect";
            Listening(logger, listening, reach);
        });
    }

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Listening on {Addresses} ({Reach})")]
    private static partial void Listening(ILogger logger, string addresses, string reach);

    private static bool IsLoopback(string address)
    {
        var match = Address().Match(address);
        var host = match.Groups["host"].Value.Trim('[', ']');
        return match.Success && (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    private static void Check(string setting, string address)
    {
        var match = Address().Match(address);
        if (!match.Success)
        {
            throw new InvalidSettingException(setting,
                "must be addresses such as http://127.0.0.1:7071, separated by ';': http://, a host, a port, and no user-info, path or query.");
        }

        if (!match.Groups["scheme"].Value.Equals("http", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidSettingException(setting, "must use http: the standalone host serves no TLS (put TLS in front of it).");
        }

        var host = match.Groups["host"].Value;
        var isAddress = IPAddress.TryParse(host.Trim('[', ']'), out _);
        if (!isAddress && host is not ("*" or "+") && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidSettingException(setting,
                "must name an IP address, localhost, or * for every interface (Kestrel would listen on every interface for a host name).");
        }

        // Kestrel takes a free port only on an IP address; localhost or * with port 0 would fail as it starts.
        if (!IsPort(match.Groups["port"].Value, allowZero: isAddress))
        {
            throw new InvalidSettingException(setting,
                isAddress ? "must give a port number from 1 to 65535 (or 0 for a free one)." : "must give a port number from 1 to 65535.");
        }
    }

    private static bool IsPort(string text, bool allowZero) =>
        text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit)
        && int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) is var port && port <= 65535 && (port > 0 || allowZero);

    // scheme://host:port with an optional trailing '/': an IPv6 address in brackets, else no ':', '/', '@', '?' or '#'.
    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?<host>\[[0-9A-Fa-f:.%]+\]|[^:/@?#\[\]\s]+):(?<port>[^/@?#\s]*)/?$")]
    private static partial Regex Address();
}
