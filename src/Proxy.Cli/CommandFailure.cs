using Proxy.Hosting;
using Proxy.Storage;

namespace Proxy.Cli;

/// <summary>
/// The one line printed for a command that failed on something other than its input: storage that does not answer or
/// refuses, or anything unforeseen. Never the exception itself: its type and stack mean nothing to an operator, and its
/// text can quote a connection string. The cause is named as the proxy's own logs and health name it.
/// </summary>
internal static class CommandFailure
{
    public static string Describe(Exception exception, Uri? storage)
    {
        var where = storage is null ? "Storage" : $"Storage at {SafeEndpoint.DescribeServer(storage)}";
        var cause = StorageFailureCause.Of(exception);
        if (StorageFailureCause.IsRefusal(exception))
        {
            return $"{where} refused the request ({cause}): check AzureWebJobsStorage's account and key, and the table names in the settings.";
        }

        return cause == StorageFailureCause.Unexpected
            ? "proxy-cli stopped on an unexpected error (its text is not shown, since it can carry settings). Run the command again, and report it if it persists."
            : $"{where} did not answer ({cause}): start Azurite (scripts/start-local.sh), or check AzureWebJobsStorage.";
    }
}
