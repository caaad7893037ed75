using System.CommandLine;
using System.CommandLine.Parsing;

namespace Proxy.Cli;

/// <summary><c>--since</c> and <c>--until</c>: the window a command reads, checked on their own and together before anything is read.</summary>
internal sealed class TimeWindowOptions
{
    private static readonly PointInTimeArgument s_defaultSince = new(TimeSpan.FromHours(24), null);

    private readonly Option<PointInTimeArgument?> _since = Create("--since", "From when: " + PointInTimeArgument.Forms + " (default 24h).", "24h");

    private readonly Option<PointInTimeArgument?> _until = Create("--until", "Until when, in the same forms (default now).", "1h");

    public void AddTo(Command command)
    {
        command.Options.Add(_since);
        command.Options.Add(_until);
        command.Validators.Add(result =>
        {
            // From the options' text: a command's validator runs before its options' parsers, and reading a value that
            // did not parse would throw. An option that did not parse has its own error.
            if (!Given(result, _since, out var since) || !Given(result, _until, out var until))
            {
                return;
            }

            // Checked against the clock of the check; the command reads its own "now" a moment later, which moves both ends alike.
            var (from, to) = Window(since, until, TimeProvider.System.GetUtcNow());
            if (from >= to)
            {
                result.AddError("--since must be before --until: the window would be empty.");
            }
            else if (to - from > TimeWindow.Longest)
            {
                result.AddError($"The window from --since to --until is at most {TimeWindow.Longest.TotalDays:F0} days: narrow it.");
            }
        });
    }

    /// <summary>The window <paramref name="parse"/> gives, at <paramref name="now"/>; its options were validated.</summary>
    public TimeWindow Read(ParseResult parse, DateTimeOffset now) => Window(parse.GetValue(_since), parse.GetValue(_until), now);

    /// <summary>The window from <paramref name="since"/> (24 hours ago when not given) until <paramref name="until"/> (now when not given).</summary>
    private static TimeWindow Window(PointInTimeArgument? since, PointInTimeArgument? until, DateTimeOffset now) =>
        new((since ?? s_defaultSince).From(now), until?.From(now) ?? now);

    private static Option<PointInTimeArgument?> Create(string name, string description, string example) =>
        OptionValue.Create<PointInTimeArgument>(name, description, OptionValue.Refused(name, PointInTimeArgument.Forms, example), PointInTimeArgument.TryParse);

    /// <summary>The option's point in time (null when not given); false when its text is not one.</summary>
    private static bool Given(CommandResult result, Option<PointInTimeArgument?> option, out PointInTimeArgument? time)
    {
        time = null;
        if (result.GetResult(option) is not { } given)
        {
            return true;
        }

        if (!OptionValue.TryRead<PointInTimeArgument>(given, PointInTimeArgument.TryParse, out var parsed))
        {
            return false;
        }

        time = parsed;
        return true;
    }
}
