using System.CommandLine;
using System.CommandLine.Parsing;

namespace Proxy.Standalone;

/// <summary>
/// The standalone host's arguments: <c>--urls</c> and <c>--help</c>, nothing else. The host's builder would otherwise
/// take any <c>--name value</c> as a setting and ignore a word it cannot read, so that a mistyped argument started the
/// proxy on addresses it was not given; an argument it does not know stops it with the usage, exit 2.
/// </summary>
public static class StandaloneCommandLine
{
    /// <summary>A usage error, as is usual for command-line tools (a bad setting is 1).</summary>
    public const int UsageExitCode = 2;

    public const string Usage = """
        Proxy.Standalone: the AI API error-reporting proxy on its own Kestrel host.

        Usage: dotnet Proxy.Standalone.dll [--urls <addresses>] [--help]

          --urls <addresses>  where to listen, as ASPNETCORE_URLS: http://<IP address, localhost or *>:<port>, several
                              separated by ';'. Default http://127.0.0.1:7071 (this machine only); * listens on every
                              interface. Port 0 takes a free port; the log line "Listening on" says which.
          --help, -h, -?      this text.

        Settings come from environment variables (Proxy__Upstream__BaseUrl, AzureWebJobsStorage, ...) over the Values of
        local.settings.json in the working directory; docs/contract.md lists them all. A bad setting stops the host with
        one line naming it, and exit code 1.
        """;

    /// <summary>
    /// Reads <paramref name="args"/>: the exit code when the process is to stop here (<c>--help</c>: 0 with the usage on
    /// <paramref name="output"/>; anything unknown: 2 with the error and the usage on <paramref name="error"/>), else null
    /// and the arguments the host's builder is given (<c>--urls</c> alone).
    /// </summary>
    public static int? Read(string[] args, TextWriter output, TextWriter error, out string[] hostArgs)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        hostArgs = [];
        var urls = new Option<string>("--urls") { Arity = ArgumentArity.ExactlyOne };
        var help = new Option<bool>("--help", "-h", "-?");
        var root = new RootCommand();
        // Only what is written here: no --version, no [directives], no @response-file read as arguments.
        root.Options.Clear();
        root.Options.Add(urls);
        root.Options.Add(help);
        root.Directives.Clear();

        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        // The parser reads a leading [word] as a directive even with none declared, and drops it without an error.
        var problems = parse.Tokens.Where(token => token.Type == TokenType.Directive)
            .Select(token => $"Unrecognized command or argument '{token.Value}'.")
            .Concat(parse.Errors.Select(parseError => parseError.Message))
            .ToList();
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                error.WriteLine(problem);
            }

            error.WriteLine();
            error.WriteLine(Usage);
            return UsageExitCode;
        }

        if (parse.GetValue(help))
        {
            output.WriteLine(Usage);
            return 0;
        }

        if (parse.GetValue(urls) is { } addresses)
        {
            hostArgs = ["--urls", addresses];
        }

        return null;
    }
}
