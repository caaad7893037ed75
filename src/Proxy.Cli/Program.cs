using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Proxy.Cli;
using Proxy.Hosting;

// The same settings as the app: environment variables over local.settings.json in the current directory.
var settings = new ConfigurationBuilder().AddEnvironmentVariables();
LocalSettingsConfigurationSource.AddBelowEnvironment(settings);

var services = new ServiceCollection().AddLogging();
services.AddProxy(settings.Build());
await using var provider = services.BuildServiceProvider();

var root = new RootCommand("Operate the AI API proxy: API keys, their usage this hour, and failure analysis.")
{
    KeyCommands.Create(provider, Console.Out),
    FailureCommands.Create(provider, Console.Out),
};
return await root.Parse(args).InvokeAsync();
