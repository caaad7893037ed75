using System.Globalization;
using Proxy.Auth;
using Proxy.Failures;

namespace Proxy.Cli;

/// <summary>
/// Which records a command looks at: each given field must match (a key by the start of its id, as <c>keys list</c>
/// prints it; kind, model and status exactly). Nothing given matches every record.
/// </summary>
internal sealed record FailureFilter(string? KeyPrefix, string? Kind, string? Model, int? Status)
{
    public static readonly FailureFilter None = new(null, null, null, null);

    public bool Matches(FailureRecord record) =>
        (KeyPrefix is null || (record.KeyId is { } keyId && keyId.StartsWith(ApiKeyHash.Prefix(KeyPrefix), StringComparison.Ordinal)))
        && (Kind is null || string.Equals(record.Kind, Kind, StringComparison.Ordinal))
        && (Model is null || string.Equals(record.Model, Model, StringComparison.Ordinal))
        && (Status is null || record.StatusCode == Status);

    /// <summary>The filters given, by option name, for the page and the JSON to say what they show.</summary>
    public IReadOnlyList<(string Name, string Value)> Given()
    {
        var given = new List<(string, string)>();
        if (KeyPrefix is not null)
        {
            given.Add(("key", KeyPrefix));
        }

        if (Kind is not null)
        {
            given.Add(("kind", Kind));
        }

        if (Model is not null)
        {
            given.Add(("model", Model));
        }

        if (Status is { } status)
        {
            given.Add(("status", status.ToString(CultureInfo.InvariantCulture)));
        }

        return given;
    }
}
