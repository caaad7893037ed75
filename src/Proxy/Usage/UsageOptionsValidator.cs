using Microsoft.Extensions.Options;

namespace Proxy.Usage;

/// <summary>Each message names the setting and what it must be, never its value.</summary>
internal sealed class UsageOptionsValidator : IValidateOptions<UsageOptions>
{
    public static readonly TimeSpan ShortestFlushInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan LongestFlushInterval = TimeSpan.FromHours(1);
    public const int MostKeyHours = 1_000_000;
    public const int MostRetentionDays = 3650;

    public ValidateOptionsResult Validate(string? name, UsageOptions options)
    {
        var failures = new List<string>();
        if (options.TableName.Length is < 3 or > 63 || !char.IsAsciiLetter(options.TableName[0]) || !options.TableName.All(char.IsAsciiLetterOrDigit))
        {
            failures.Add("Proxy__Usage__TableName must be 3 to 63 letters and digits, starting with a letter (a table name).");
        }

        if (options.FlushInterval < ShortestFlushInterval || options.FlushInterval > LongestFlushInterval)
        {
            failures.Add("Proxy__Usage__FlushInterval must be from 00:00:00.1 to 01:00:00.");
        }

        if (options.MaxKeyHours is < 1 or > MostKeyHours)
        {
            failures.Add($"Proxy__Usage__MaxKeyHours must be from 1 to {MostKeyHours}.");
        }

        if (options.RetentionDays is < 1 or > MostRetentionDays)
        {
            failures.Add($"Proxy__Usage__RetentionDays must be from 1 to {MostRetentionDays}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
