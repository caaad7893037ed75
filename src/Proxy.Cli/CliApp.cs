using System.CommandLine;

namespace Proxy.Cli;

/// <summary>
/// The operator's tool as one call: parses the command line, reads the settings, runs the command and answers its exit
/// code, writing only to the writers it is given. <c>Program</c> runs it on the console; the tests run it in their process.
/// </summary>
public static class CliApp
{
    /// <summary>
    /// Runs <paramref name="args"/> from <paramref name="currentDirectory"/>: 0 when the command did its work, 1 when it
    /// failed (storage, settings), 2 for a command line that cannot be run. <paramref name="environment"/> stands for the
    /// process's environment variables when given.
    /// </summary>
    public static async Task<int> RunAsync(
        string[] args, TextWriter output, TextWriter error, string currentDirectory,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        await using var services = new OperatorServices();
        try
        {
            return await RunAsync(args, services, output, error, currentDirectory, environment, cancellationToken);
        }
        catch (Exception e)
        {
            // The one catch-all, for a fault in parsing as much as in a command: one line, never the exception (see CommandFailure).
            await error.WriteLineAsync(CommandFailure.Describe(e, services.StorageEndpoint));
            return 1;
        }
    }

    /// <summary>
    /// Every command and option of the tool, over <paramref name="services"/> (started only once a command runs);
    /// <paramref name="settingsOption"/> is the root's <c>--settings</c>.
    /// </summary>
    internal static RootCommand Commands(OperatorServices services, TextWriter output, TextWriter error, out Option<FileInfo?> settingsOption)
    {
        // Settings are read once the command line is parsed, since --settings names where they are: --settings FILE over the
        // environment over the nearest local.settings.json at or above the current directory.
        settingsOption = new Option<FileInfo?>("--settings")
        {
            Description = "A local.settings.json-shaped file whose Values win over the environment and over the local.settings.json found upward from here.",
            Recursive = true,
        };
        return new RootCommand("Operate the AI API proxy: API keys, tiers and their limits, usage this hour, and failure analysis.")
        {
            settingsOption,
            KeyCommands.Create(services, output, error),
            TierCommands.Create(services, output, error),
            FailureCommands.Create(services, output, error),
            UsageCommands.Create(services, output),
        };
    }

    private static async Task<int> RunAsync(
        string[] args, OperatorServices services, TextWriter output, TextWriter error, string currentDirectory,
        IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var root = Commands(services, output, error, out var settingsOption);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // Usage errors exit 2, as is usual for command-line tools; System.CommandLine's own would be 1.
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }

            await error.WriteLineAsync("Run 'proxy-cli --help' (or '<command> --help') for the commands and their options.");
            return 2;
        }

        // The caller's catch-all answers an exception, as one line.
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };

        // --help and --version run an option's action, not the command's, and need no storage.
        if (parse.Action != parse.CommandResult.Command.Action)
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }

        if (OperatorSettings.Load(parse.GetValue(settingsOption), currentDirectory, environment, error) is not { } settings
            || !services.TryStart(settings, error))
        {
            return 1;
        }

        return await parse.InvokeAsync(invocation, cancellationToken);
    }
}
