using Proxy.Errors;

namespace Proxy.Telemetry;

/// <summary>
/// The values the proxy's instruments are tagged with, made once: a tag value is an object, so an int status code
/// would be boxed on every measurement, and the hot path allocates nothing for its tags (<see cref="System.Diagnostics.TagList"/>
/// holds up to eight without allocating).
/// </summary>
internal static class MetricTagValues
{
    /// <summary>OpenTelemetry's attribute names, where its HTTP semantic conventions have one.</summary>
    public const string StatusCode = "http.response.status_code";

    public const string ErrorType = "error.type";

    /// <summary>OpenTelemetry's generative-AI attribute for a token count, with its values for prompt and completion tokens.</summary>
    public const string TokenType = "gen_ai.token.type";

    public const string InputTokens = "input";

    public const string OutputTokens = "output";

    /// <summary>The proxy's own attribute: what the quota answered.</summary>
    public const string QuotaDecision = "proxy.quota.decision";

    /// <summary>The step of a request's bookkeeping that failed: failure_record, refund, usage, access_line or metrics.</summary>
    public const string BookkeepingStep = "proxy.bookkeeping.step";

    // Every status an HTTP response can have, 499 (a client that left) included.
    private static readonly object[] s_statusCodes = Enumerable.Range(0, 600).Select(code => (object)code).ToArray();

    private static readonly string[] s_kinds = Enum.GetValues<FailureKind>().Select(FailureKindNames.Of).ToArray();

    private static readonly string[] s_decisions = Enum.GetValues<Quota.QuotaDecision>().Select(DecisionName).ToArray();

    public static object Status(int statusCode) =>
        (uint)statusCode < (uint)s_statusCodes.Length ? s_statusCodes[statusCode] : statusCode;

    public static string Kind(FailureKind kind) => s_kinds[(int)kind];

    public static string Decision(Quota.QuotaDecision decision) => s_decisions[(int)decision];

    /// <summary>A bookkeeping step, as its metric attribute and its fault's log line name it.</summary>
    public static string Step(Requests.BookkeepingStep step) => step switch
    {
        Requests.BookkeepingStep.FailureRecord => "failure_record",
        Requests.BookkeepingStep.Refund => "refund",
        Requests.BookkeepingStep.Usage => "usage",
        Requests.BookkeepingStep.AccessLine => "access_line",
        Requests.BookkeepingStep.Metrics => "metrics",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
    };

    /// <summary><c>StoreUnavailable</c> is spelled <c>store_unavailable</c>, as the failure kinds are.</summary>
    private static string DecisionName(Quota.QuotaDecision decision) => decision switch
    {
        Quota.QuotaDecision.Admitted => "admitted",
        Quota.QuotaDecision.Exhausted => "exhausted",
        Quota.QuotaDecision.TokensExhausted => "tokens_exhausted",
        Quota.QuotaDecision.Unlimited => "unlimited",
        Quota.QuotaDecision.Uncounted => "uncounted",
        Quota.QuotaDecision.StoreUnavailable => "store_unavailable",
        Quota.QuotaDecision.Shed => "shed",
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, null),
    };
}
