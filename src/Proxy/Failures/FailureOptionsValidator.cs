using Microsoft.Extensions.Options;

namespace Proxy.Failures;

internal sealed class FailureOptionsValidator : IValidateOptions<FailureOptions>
{
    public ValidateOptionsResult Validate(string? name, FailureOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.QueueName) || options.QueueName.Length > 56 || options.QueueName.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
        {
            failures.Add("Proxy__Failures__QueueName must be 3 to 56 lowercase letters, digits and hyphens (its poison queue adds '-poison').");
        }

        if (options.BufferCapacity < 1 || options.AnonymousBufferCapacity < 1 || options.KeyedRecordsPerInterval < 1 || options.BatchSize < 1 || options.MaxDequeueCount < 1)
        {
            failures.Add("Proxy__Failures__BufferCapacity, __AnonymousBufferCapacity, __KeyedRecordsPerInterval, __BatchSize and __MaxDequeueCount must be at least 1.");
        }

        if (options.AggregateInterval < TimeSpan.FromMilliseconds(100))
        {
            failures.Add("Proxy__Failures__AggregateInterval must be at least 100 milliseconds.");
        }

        if (options.ArchivePollInterval <= TimeSpan.Zero || options.ArchiveRetryDelay < TimeSpan.FromSeconds(1) || options.DrainTimeout < TimeSpan.Zero)
        {
            failures.Add("Proxy__Failures__ArchivePollInterval must be positive, __ArchiveRetryDelay at least a second, and __DrainTimeout not negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
