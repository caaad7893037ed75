using System.CommandLine;
using Proxy.Cli;

// Settings are read once the command line is parsed, since --settings names where they are: --settings FILE over the
// environment over the nearest local.settings.json at or above the current directory.
var settingsOption = new Option<FileInfo?>("--settings")
{
    Description = "A local.settings.json-shaped file whose Values win over the environment and over the local.settings.json found upward from here.",
    Recursive = true,
};
await using var services = new OperatorServices();
var root = new RootCommand("Operate the AI API proxy: API keys, tiers and their limits, usage this hour, and failure analysis.")
{
    settingsOption,
    KeyCommands.Create(services, Console.Out, Console.Error),
    TierCommands.Create(services, Console.Out, Console.Error),
    FailureCommands.Create(services, Console.Out, Console.Error),
    UsageCommands.Create(services, Console.Out),
};

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // Usage errors exit 2, as is usual for command-line tools; System.CommandLine's own would be 1.
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine(error.Message);
    }

    Console.Error.WriteLine("Run 'proxy-cli --help' (or '<command> --help') for the commands and their options.");
    return 2;
}

// --help and --version run an option's action, not the command's, and need no storage.
if (parse.Action != parse.CommandResult.Command.Action)
{
    return await parse.InvokeAsync();
}

if (OperatorSettings.Load(parse.GetValue(settingsOption), Directory.GetCurrentDirectory(), Console.Error) is not { } settings
    || !services.TryStart(settings, Console.Error))
{
    return 1;
}

try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    // The one catch-all: one line, never the exception (see CommandFailure).
    Console.Error.WriteLine(CommandFailure.Describe(e, services.StorageEndpoint));
    return 1;
}
