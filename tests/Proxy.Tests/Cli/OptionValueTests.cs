using System.CommandLine;
using System.CommandLine.Help;
using Proxy.Cli;
using Proxy.Tests.Infrastructure;

namespace Proxy.Tests.Cli;

/// <summary>
/// Every number and duration any command takes, found by walking the command tree (so an option added later is tried
/// too), given values that are not one: each is refused with exit 2 and one line that names the option and shows an
/// example that is itself accepted, never a stack trace. All of it before any storage is reached: no storage is given.
/// </summary>
public sealed class OptionValueTests
{
    /// <summary>Not a number; not whole; past a 32-bit number and every bound; below every bound; empty; no value at all.</summary>
    private static readonly string?[] s_badValues = ["abc", "1.5", "99999999999", "-1", "", null];

    /// <summary>A value for each argument a command needs: a key id, a tier's name and a request id can all be this.</summary>
    private const string ArgumentValue = "abc1";

    /// <summary>Never started: a command line that does not parse reaches no service.</summary>
    private static readonly OperatorServices s_services = new();

    public static TheoryData<string, string, string?> BadValues()
    {
        var data = new TheoryData<string, string, string?>();
        foreach (var (path, option) in ValueOptions())
        {
            foreach (var value in s_badValues)
            {
                data.Add(path, option.Name, value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task NumberOrDurationThatIsNotOne_IsOneLineNamingTheOptionWithAnExample_ExitTwo(string command, string option, string? value)
    {
        var arguments = CommandLine(command, option, value is null ? [] : [value]);

        var (exitCode, output) = await InProcessCli.RunInAsync(Path.GetTempPath(), storage: null, arguments);

        Assert.True(exitCode == 2, $"proxy-cli {string.Join(' ', arguments)} exited {exitCode}:\n{output}");
        CliAssert.NoStackTrace(output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 2, $"expected the refusal and the pointer to --help, got:\n{output}");
        Assert.StartsWith(option + " must be ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("Run 'proxy-cli --help'", lines[1], StringComparison.Ordinal);

        // The example the line gives is accepted by the same command line.
        var example = lines[0].Split("(e.g. " + option + " ", 2);
        Assert.True(example.Length == 2, $"no example in: {lines[0]}");
        var exampleValue = example[1][..example[1].IndexOf(')', StringComparison.Ordinal)];
        Assert.Empty(Parse(CommandLine(command, option, [exampleValue])).Errors);
    }

    [Fact]
    public void CommandTree_NumbersAndDurations_AreFound()
    {
        var found = ValueOptions().Select(pair => $"{pair.Path} {pair.Option.Name}").ToList();

        Assert.Contains("keys create --limit", found);
        Assert.Contains("keys set --limit", found);
        Assert.Contains("tiers set --tokens", found);
        Assert.Contains("tiers set --default-max-tokens", found);
        Assert.Contains("failures tail --count", found);
        Assert.Contains("failures tail --for", found);
        Assert.Contains("failures summary --status", found);
        Assert.Contains("usage --since", found);
    }

    /// <summary>Each command's options whose value is not text, a switch or a file: numbers, durations, points in time.</summary>
    private static IEnumerable<(string Path, Option Option)> ValueOptions()
    {
        var pending = new Stack<(string Path, Command Command)>();
        pending.Push((string.Empty, Root()));
        while (pending.TryPop(out var next))
        {
            foreach (var option in next.Command.Options.Where(option => option is not (HelpOption or VersionOption) && IsValue(option.ValueType)))
            {
                yield return (next.Path, option);
            }

            foreach (var sub in next.Command.Subcommands)
            {
                pending.Push(((next.Path + " " + sub.Name).Trim(), sub));
            }
        }

        static bool IsValue(Type type) =>
            (Nullable.GetUnderlyingType(type) ?? type) is var value && value != typeof(string) && value != typeof(bool) && value != typeof(FileInfo);
    }

    /// <summary>The command, a value for each of its arguments and required options, then the option and what it is given.</summary>
    private static string[] CommandLine(string path, string option, string[] value)
    {
        var command = path.Split(' ').Aggregate((Command)Root(), (parent, name) => parent.Subcommands.Single(sub => sub.Name == name));
        var required = command.Options
            .Where(other => other.Required && other.Name != option)
            .SelectMany(other => new[] { other.Name, other.ValueType == typeof(FileInfo) ? "report.html" : ArgumentValue });
        return [.. path.Split(' '), .. command.Arguments.Select(_ => ArgumentValue), .. required, option, .. value];
    }

    private static ParseResult Parse(string[] arguments) => Root().Parse(arguments);

    private static RootCommand Root() => CliApp.Commands(s_services, TextWriter.Null, TextWriter.Null, out _);
}
