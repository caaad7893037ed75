using System.CommandLine;

namespace Proxy.Cli;

/// <summary>
/// <c>--default-max-tokens N</c>, for a tier: the completion tokens reserved for a request of its keys that sets no cap, a
/// whole number, 0 or more.
/// </summary>
internal static class DefaultMaxTokensOption
{
    public static Option<long?> Create()
    {
        var option = new Option<long?>("--default-max-tokens")
        {
            Description = "Completion tokens reserved for a request of the tier's keys that sets no max_tokens: 0 or more.",
        };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is < 0 and var tokens)
            {
                result.AddError($"--default-max-tokens must be a whole number of tokens, 0 or more (not {tokens}); for the deployment's default, give --no-default-max-tokens.");
            }
        });
        return option;
    }
}
