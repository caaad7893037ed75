using System.Text;

namespace Proxy.Failures;

/// <summary>
/// The size of every field of a failure record, applied in one place, to what the proxy queues and to what the archive
/// writes. Each bound is in UTF-16 characters after <see cref="VisibleText"/>; a cut value ends in
/// an ellipsis (U+2026) inside its bound. The worst a character can become on the queue is six (System.Text.Json's
/// <c>\uXXXX</c>), and Base64 adds a third, so <see cref="MaxQueuedMessageLength"/> holds for any record these bounds
/// let through: under the queue's 64 KiB message limit, and every string far under Table storage's 32K characters.
/// </summary>
internal static class FailureRecordBounds
{
    public const int MaxPathLength = 2048;

    /// <summary>The proxy's, the client's and the upstream's request ids.</summary>
    public const int MaxIdLength = 256;

    public const int MaxModelLength = 256;

    public const int MaxMessageLength = 1024;

    public const int MaxMethodLength = 32;

    public const int MaxInstanceLength = 256;

    /// <summary>Timestamp, kind, source, key id and tier: the proxy's own short words, bounded for records from elsewhere.</summary>
    public const int MaxWordLength = 64;

    /// <summary>Distinct (kind, status) pairs an aggregated record counts separately; the rest are counted together.</summary>
    public const int MaxAggregatedCounts = 32;

    /// <summary>The queue's limit for a message as stored (Base64 text), in bytes.</summary>
    public const int QueueMessageLimit = 64 * 1024;

    /// <summary>Every string field at its bound, each character escaped to six, the property names and numbers, then Base64.</summary>
    public const int MaxQueuedMessageLength =
        (((((MaxIdLength * 3) + MaxPathLength + MaxModelLength + MaxMessageLength + MaxMethodLength + MaxInstanceLength + (MaxWordLength * 6)) * 6)
          + (MaxAggregatedCounts * ((MaxWordLength * 6) + 64)) + 1024 + 2) / 3) * 4;

    private const char Ellipsis = '\u2026';

    /// <summary>The record with every field escaped and cut to its bound; the same record when nothing needed it.</summary>
    public static FailureRecord Apply(FailureRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record with
        {
            RequestId = Bound(record.RequestId, MaxIdLength),
            ClientRequestId = BoundOrNull(record.ClientRequestId, MaxIdLength),
            Timestamp = Bound(record.Timestamp, MaxWordLength),
            Method = Bound(record.Method, MaxMethodLength),
            Path = Bound(record.Path, MaxPathLength),
            Kind = Bound(record.Kind, MaxWordLength),
            Source = Bound(record.Source, MaxWordLength),
            Message = Bound(record.Message, MaxMessageLength),
            KeyId = BoundOrNull(record.KeyId, MaxWordLength),
            Tier = BoundOrNull(record.Tier, MaxWordLength),
            Model = BoundOrNull(record.Model, MaxModelLength),
            UpstreamRequestId = BoundOrNull(record.UpstreamRequestId, MaxIdLength),
            Instance = BoundOrNull(record.Instance, MaxInstanceLength),
            Since = BoundOrNull(record.Since, MaxWordLength),
            Counts = record.Counts is { } counts ? BoundCounts(counts) : null,
        };
    }

    /// <summary>
    /// <paramref name="text"/> made visible and, when that is longer than <paramref name="maxLength"/> characters, cut
    /// to fit with the ellipsis: never inside an escape, nor between the two halves of a surrogate pair (a lone
    /// surrogate is not text a reader or a table accepts).
    /// </summary>
    public static string Bound(string text, int maxLength)
    {
        var visible = VisibleText.Of(text);
        if (visible.Length <= maxLength)
        {
            return visible;
        }

        var cut = new StringBuilder(maxLength);
        for (var i = 0; i < text.Length; i++)
        {
            var escape = VisibleText.EscapeOf(text[i]);
            var width = escape?.Length ?? (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1);
            if (cut.Length + width > maxLength - 1)
            {
                break;
            }

            if (escape is not null)
            {
                cut.Append(escape);
            }
            else
            {
                cut.Append(text, i, width);
                i += width - 1;
            }
        }

        return cut.Append(Ellipsis).ToString();
    }

    private static string? BoundOrNull(string? text, int maxLength) => text is null ? null : Bound(text, maxLength);

    private static List<FailureCount> BoundCounts(IReadOnlyList<FailureCount> counts)
    {
        var bounded = counts.Take(MaxAggregatedCounts).Select(count => count with { Kind = Bound(count.Kind, MaxWordLength) }).ToList();
        if (counts.Count > MaxAggregatedCounts)
        {
            bounded[^1] = new FailureCount(FailureCount.OtherKind, 0, counts.Skip(MaxAggregatedCounts - 1).Sum(count => count.Count));
        }

        return bounded;
    }
}
