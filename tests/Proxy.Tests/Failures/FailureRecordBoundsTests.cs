using System.Text;
using System.Text.Json;
using Proxy.Failures;

namespace Proxy.Tests.Failures;

/// <summary>Every field of a record has a bound that holds after JSON escaping and Base64, whatever the client or upstream sent.</summary>
public sealed class FailureRecordBoundsTests
{
    /// <summary>Each of these is six characters once System.Text.Json escapes it, the most any character becomes.</summary>
    private const string WorstCharacters = "'\"<>&+`\u2026\u00e9\u4e2d";

    private static string Worst(int length) => string.Concat(Enumerable.Repeat(WorstCharacters, (length / WorstCharacters.Length) + 1))[..length];

    private static FailureRecord Huge(int length) => new()
    {
        RequestId = Worst(length),
        ClientRequestId = Worst(length),
        Timestamp = Worst(length),
        Method = Worst(length),
        Path = Worst(length),
        Kind = Worst(length),
        Source = Worst(length),
        Message = Worst(length),
        KeyId = Worst(length),
        Tier = Worst(length),
        Model = Worst(length),
        UpstreamRequestId = Worst(length),
        Instance = Worst(length),
        Since = Worst(length),
        Count = long.MaxValue,
        Counts = Enumerable.Range(0, 500).Select(i => new FailureCount(Worst(length), i, i)).ToList(),
        UpstreamStatusCode = int.MinValue,
        StatusCode = int.MinValue,
        DurationMs = long.MinValue,
        RequestBytes = long.MinValue,
        ResponseBytes = long.MinValue,
    };

    [Fact]
    public void Apply_EveryFieldHugeAndOfTheWorstCharacters_FitsTheQueueAsBase64AndTheTable()
    {
        var bounded = FailureRecordBounds.Apply(Huge(100_000));

        var json = JsonSerializer.Serialize(bounded, FailureJsonContext.Default.FailureRecord);
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
        Assert.InRange(base64.Length, 1, FailureRecordBounds.MaxQueuedMessageLength);
        Assert.True(FailureRecordBounds.MaxQueuedMessageLength <= FailureRecordBounds.QueueMessageLimit, "the computed worst case is under the queue's limit");
        var entity = FailureEntity.From(bounded, DateTimeOffset.UtcNow);
        Assert.All(typeof(FailureEntity).GetProperties().Where(property => property.PropertyType == typeof(string)),
            property => Assert.InRange(((string?)property.GetValue(entity))?.Length ?? 0, 0, 32 * 1024));
    }

    [Fact]
    public void Apply_EachField_IsCutToItsDocumentedBoundWithAnEllipsis()
    {
        var bounded = FailureRecordBounds.Apply(Huge(100_000));

        Assert.Equal(2048, bounded.Path.Length);
        Assert.Equal(1024, bounded.Message.Length);
        Assert.Equal(256, bounded.Model!.Length);
        Assert.Equal(256, bounded.ClientRequestId!.Length);
        Assert.Equal(256, bounded.UpstreamRequestId!.Length);
        Assert.Equal(32, bounded.Method.Length);
        Assert.Equal(64, bounded.Tier!.Length);
        Assert.Equal(32, bounded.Counts!.Count);
        Assert.Equal(FailureCount.OtherKind, bounded.Counts[^1].Kind);
        Assert.EndsWith("\u2026", bounded.Path, StringComparison.Ordinal);
        Assert.StartsWith(Worst(100), bounded.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ValuesWithinTheirBounds_AreKeptAsTheyAre()
    {
        var record = new FailureRecord
        {
            RequestId = Guid.NewGuid().ToString(),
            Timestamp = "2026-12-01T22:50:00.000Z",
            Method = "POST",
            Path = "/v1/chat/completions",
            Kind = "upstream_error",
            Source = "upstream",
            Message = "Upstream says 500",
            Model = "gpt-4o-mini",
        };

        Assert.Equal(record, FailureRecordBounds.Apply(record));
    }

    [Fact]
    public void Bound_ControlCharactersAndLineSeparators_BecomeVisibleEscapes()
    {
        Assert.Equal(@"a\nb\rc\td\u0000e\u001bf\u007fg\u0085h\u009fi\u2028j\u2029k", FailureRecordBounds.Bound("a\nb\rc\td\0e\u001bf\u007fg\u0085h\u009fi\u2028j\u2029k", 1024));
    }

    [Fact]
    public void Bound_CutInsideASurrogatePair_KeepsNeitherHalf()
    {
        var bounded = FailureRecordBounds.Bound("ab\U0001F600cd", 4);

        Assert.Equal("ab\u2026", bounded);
    }

    [Fact]
    public void Bound_EscapingThatMakesTheTextLonger_IsCutAfterEscaping()
    {
        var bounded = FailureRecordBounds.Bound(new string('\n', 100), 10);

        Assert.Equal(@"\n\n\n\n" + "\u2026", bounded);
    }
}
