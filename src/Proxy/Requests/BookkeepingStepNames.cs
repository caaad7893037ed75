namespace Proxy.Requests;

/// <summary>The steps as log lines and metric attributes name them.</summary>
internal static class BookkeepingStepNames
{
    public static string Of(BookkeepingStep step) => step switch
    {
        BookkeepingStep.FailureRecord => "failure_record",
        BookkeepingStep.Refund => "refund",
        BookkeepingStep.Usage => "usage",
        BookkeepingStep.AccessLine => "access_line",
        _ => "metrics",
    };
}
