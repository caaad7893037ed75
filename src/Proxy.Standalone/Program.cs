using Proxy.Hosting;
using Proxy.Standalone;

if (args.Any(argument => argument is "--help" or "-h" or "-?"))
{
    Console.WriteLine("""
        Proxy.Standalone: the AI API error-reporting proxy on its own Kestrel host.

        Usage: dotnet Proxy.Standalone.dll [--urls http://127.0.0.1:7071]

        Settings come from environment variables (Proxy__Upstream__BaseUrl, AzureWebJobsStorage, ...) over the Values of
        local.settings.json in the working directory; the README's "Configuration" section lists them all. A bad setting
        stops the host with one line naming it, and exit code 1.
        """);
    return 0;
}

return HostStartup.Run(() => StandaloneApp.Build(StandaloneApp.CreateBuilder(args)), Console.Error);
