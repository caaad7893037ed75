namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Endpoints that carry credentials where a URL can: user-info (<c>user:password@</c>) and a query (a SAS token's
/// <c>sig</c>), for the tests that check that no log line or message prints either.
/// </summary>
internal static class SecretBearingEndpoints
{
    public const string Password = "URLSECRET";

    public const string Signature = "SASSECRET";

    /// <summary>
    /// <paramref name="connectionString"/> with user-info and a signature query on each of its loopback endpoints. The
    /// Azure SDK takes neither (its calls then fail with an unexpected error), but the proxy prints the endpoint all the same.
    /// </summary>
    public static string InConnectionString(string connectionString) => connectionString
        .Replace("=http://127.0.0.1:", $"=http://stuser:{Password}@127.0.0.1:", StringComparison.Ordinal)
        .Replace("/devstoreaccount1;", $"/devstoreaccount1?sv=2024-08-04&sig={Signature};", StringComparison.Ordinal);

    public static void AssertNoneIn(IEnumerable<string> lines) =>
        Assert.DoesNotContain(lines, line => line.Contains(Password, StringComparison.Ordinal) || line.Contains(Signature, StringComparison.Ordinal));

    public static void AssertNoneIn(string text) => AssertNoneIn(text.Split('\n'));
}
