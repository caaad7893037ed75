using Proxy.Hosting;
using Proxy.Standalone;

if (StandaloneCommandLine.Read(args, Console.Out, Console.Error, out var hostArgs) is { } exitCode)
{
    return exitCode;
}

return HostStartup.Run(() => StandaloneApp.Build(StandaloneApp.CreateBuilder(hostArgs)), Console.Error);
