using System.CommandLine;

namespace Proxy.Cli;

/// <summary>
/// <c>--tokens N</c>, for a tier: a whole number of tokens (prompt plus completion) per key and hour, 1 or more, validated
/// like <see cref="LimitOption"/>: zero or less would refuse every request.
/// </summary>
internal static class TokensOption
{
    public static Option<long?> Create()
    {
        var option = new Option<long?>("--tokens") { Description = "Tokens (prompt plus completion) per hour for each key of the tier: 1 or more." };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is < 1 and var tokens)
            {
                result.AddError($"--tokens must be a whole number of tokens per hour, 1 or more (not {tokens}); for no token limit, give --no-tokens.");
            }
        });
        return option;
    }
}
