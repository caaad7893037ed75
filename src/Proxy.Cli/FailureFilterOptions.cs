using System.CommandLine;
using Proxy.Errors;
using Proxy.Failures;

namespace Proxy.Cli;

/// <summary><c>--key</c>, <c>--kind</c>, <c>--model</c>, <c>--status</c>: each refused with a message (exit 2) when it cannot match a record.</summary>
internal sealed class FailureFilterOptions
{
    /// <summary>The contract's kinds, and the aggregated records' own.</summary>
    private static readonly string[] s_kinds = [.. Enum.GetValues<FailureKind>().Select(FailureKindNames.Of), FailureRecord.AggregatedKind];

    /// <summary>A record keeps at most this much of a model's name (the core's record bounds), so a longer one matches nothing.</summary>
    private const int LongestModel = 256;

    private readonly Option<string?> _key = new("--key") { Description = "Only this key's failures: its id as 'keys list' prints it, or enough of its start." };

    private readonly Option<string?> _kind = new("--kind") { Description = "Only failures of this kind (" + string.Join(", ", s_kinds) + ")." };

    private readonly Option<string?> _model = new("--model") { Description = "Only failures of requests for this model, as the record names it." };

    private readonly Option<int?> _status = WholeNumberOption.Create("--status", "Only failures with this status code (100 to 599; 499 is a client that went away).",
        "an HTTP status", 100, 599, 502, "499 is a client that went away");

    public FailureFilterOptions()
    {
        _key.Validators.Add(result =>
        {
            if (!KeyIdPrefix.IsWellFormed(result.GetValueOrDefault<string?>()))
            {
                result.AddError("--key is not a key id: ids are hex digits, as 'proxy-cli keys list' prints them (the key itself is never needed).");
            }
        });
        _kind.Validators.Add(result =>
        {
            var kind = result.GetValueOrDefault<string?>();
            if (!s_kinds.Contains(kind, StringComparer.Ordinal))
            {
                result.AddError($"--kind '{kind}' is not a failure kind: give one of {string.Join(", ", s_kinds)}.");
            }
        });
        _model.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is not { Length: > 0 and <= LongestModel })
            {
                result.AddError($"--model must be a model's name, 1 to {LongestModel} characters.");
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_key);
        command.Options.Add(_kind);
        command.Options.Add(_model);
        command.Options.Add(_status);
    }

    /// <summary>The filter <paramref name="parse"/> gives; its options were validated.</summary>
    public FailureFilter Read(ParseResult parse) => new(
        parse.GetValue(_key)?.ToLowerInvariant(),
        parse.GetValue(_kind),
        parse.GetValue(_model),
        parse.GetValue(_status));
}
