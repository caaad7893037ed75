namespace Proxy.Failures;

/// <summary>A row of the failure archive: where it is (partition and row), when the table last wrote it, and its record.</summary>
public sealed record ArchivedFailure(string RowId, DateTimeOffset ArchivedAt, FailureRecord Record);
