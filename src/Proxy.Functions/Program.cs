using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Proxy.Functions;
using Proxy.Hosting;

return HostStartup.Run(() =>
{
    var builder = FunctionsApplication.CreateBuilder(args);
    builder.ConfigureFunctionsWebApplication();
    builder.Services.AddProxy(builder.Configuration);
    builder.Services.AddProxyUnderFunctionsHost(builder.Configuration);
    AzureMonitorExport.AddTo(builder.Services, builder.Configuration);
    builder.Services.AddSingleton<IFunctionMetadataProvider, FailureQueueBindingMetadataProvider>();
    return builder.Build();
}, Console.Error);
