using System.CommandLine;

namespace Proxy.Cli;

/// <summary><c>--since</c> and <c>--until</c>: the window a command reads, checked on their own and together before anything is read.</summary>
internal sealed class TimeWindowOptions
{
    private readonly Option<string> _since = new("--since") { Description = "From when: " + PointInTimeArgument.Forms + " (default 24h).", DefaultValueFactory = _ => "24h" };

    private readonly Option<string?> _until = new("--until") { Description = "Until when, in the same forms (default now)." };

    public TimeWindowOptions()
    {
        _since.Validators.Add(result => Check(result, "--since", result.GetValueOrDefault<string>()));
        _until.Validators.Add(result => Check(result, "--until", result.GetValueOrDefault<string?>()));
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_since);
        command.Options.Add(_until);
        command.Validators.Add(result =>
        {
            // Checked against the clock of the check; the command reads its own "now" a moment later, which moves both ends alike.
            var now = TimeProvider.System.GetUtcNow();
            if (PointInTimeArgument.TryParse(result.GetValue(_since), now, out var from) && PointInTimeArgument.TryParse(result.GetValue(_until) ?? "0001-01-01", now, out var given))
            {
                var until = result.GetValue(_until) is null ? now : given;
                if (from >= until)
                {
                    result.AddError("--since must be before --until: the window would be empty.");
                }
                else if (until - from > TimeWindow.Longest)
                {
                    result.AddError($"The window from --since to --until is at most {TimeWindow.Longest.TotalDays:F0} days: narrow it.");
                }
            }
        });
    }

    /// <summary>The window <paramref name="parse"/> gives, at <paramref name="now"/>; its options were validated.</summary>
    public TimeWindow Read(ParseResult parse, DateTimeOffset now)
    {
        var from = PointInTimeArgument.TryParse(parse.GetValue(_since), now, out var since) ? since : throw new ArgumentException("--since was not validated.", nameof(parse));
        var until = parse.GetValue(_until) is { } text
            ? PointInTimeArgument.TryParse(text, now, out var given) ? given : throw new ArgumentException("--until was not validated.", nameof(parse))
            : now;
        return new TimeWindow(from, until);
    }

    private static void Check(System.CommandLine.Parsing.OptionResult result, string name, string? text)
    {
        if (text is not null && !PointInTimeArgument.TryParse(text, TimeProvider.System.GetUtcNow(), out _))
        {
            result.AddError($"{name} '{text}' is not a duration nor a UTC time: give {PointInTimeArgument.Forms}.");
        }
    }
}
