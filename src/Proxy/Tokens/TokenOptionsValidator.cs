using Microsoft.Extensions.Options;

namespace Proxy.Tokens;

/// <summary>Each message names the setting and what it must be, never its value.</summary>
internal sealed class TokenOptionsValidator : IValidateOptions<TokenOptions>
{
    public const long MostBufferedBodySize = 1024L * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, TokenOptions options)
    {
        var failures = new List<string>();
        if (options.DefaultMaxTokens < 0)
        {
            failures.Add("Proxy__Tokens__DefaultMaxTokens must be 0 or more.");
        }

        if (options.AttachmentTokens < 0)
        {
            failures.Add("Proxy__Tokens__AttachmentTokens must be 0 or more.");
        }

        if (options.MaxBufferedBodySize is < 1024 or > MostBufferedBodySize)
        {
            failures.Add($"Proxy__Tokens__MaxBufferedBodySize must be from 1024 to {MostBufferedBodySize} (bytes).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
