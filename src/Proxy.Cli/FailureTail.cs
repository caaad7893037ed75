using System.Globalization;
using System.Text;
using Proxy.Failures;

namespace Proxy.Cli;

/// <summary>
/// `failures tail`: polls the archive for rows written since it started and prints each record a filter lets through
/// as one line, until stopped (Ctrl+C, SIGTERM), a number of records, or a duration.
/// </summary>
internal sealed class FailureTail(FailureArchive archive, TimeProvider time, FailureFilter filter, IReadOnlyDictionary<string, string> keyNames, TextWriter output, TextWriter status)
{
    /// <summary>
    /// How old a failure may be and still be printed when it is archived: a record waits in the proxy's buffer and on the
    /// queue while they are down, and a day covers any such wait an operator would watch for. It bounds the partitions polled.
    /// </summary>
    public static readonly TimeSpan OldestFailure = TimeSpan.FromHours(24);

    /// <summary>Prints until <paramref name="cancellationToken"/> stops it, or after <paramref name="count"/> records, or <paramref name="duration"/>; then 0.</summary>
    public async Task<int> RunAsync(TimeSpan interval, int? count, TimeSpan? duration, CancellationToken cancellationToken)
    {
        using var stop = duration is { } limit ? new CancellationTokenSource(limit, time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancellationToken);

        // Rows are found by the table's write time: those written at the latest time seen are remembered, so that the next
        // poll, which asks from that time on, prints each row once. The start is taken to the whole second, since the table
        // may keep its write times coarser than this clock, so that a row written just after the start is never missed; the
        // rows already there in that second are read once, before the watching line, and not printed.
        var now = time.GetUtcNow();
        var since = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        var given = filter.Given();
        var seenAtSince = new HashSet<string>(StringComparer.Ordinal);
        var printed = 0;
        var baseline = true;
        try
        {
            while (true)
            {
                var rows = await archive.ReadArchivedSinceAsync(since, time.GetUtcNow() - OldestFailure, linked.Token);
                // The store's filter on the write time may let through a row a little older than asked (its times are kept
                // coarser than they are compared here): a row older than the latest time seen was seen before.
                foreach (var row in rows.Where(row => row.ArchivedAt > since || (row.ArchivedAt == since && !seenAtSince.Contains(row.RowId))))
                {
                    if (row.ArchivedAt > since)
                    {
                        since = row.ArchivedAt;
                        seenAtSince.Clear();
                    }

                    seenAtSince.Add(row.RowId);
                    if (!baseline && filter.Matches(row.Record))
                    {
                        await output.WriteLineAsync(Line(row.Record));
                        await output.FlushAsync(linked.Token);
                        if (++printed == count)
                        {
                            return 0;
                        }
                    }
                }

                if (baseline)
                {
                    baseline = false;
                    await status.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Watching the failure archive every {interval.TotalSeconds:0.#} s") +
                        (given.Count == 0 ? string.Empty : " for " + string.Join(", ", given.Select(pair => $"{pair.Name} {pair.Value}"))) + "; Ctrl+C stops.");
                }

                await Task.Delay(interval, time, linked.Token);
            }
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // Stopped as asked: by the operator, or at the end of --for.
            return 0;
        }
    }

    /// <summary>One line per record: when, status, kind, request, key (and name), model, duration, request id, message.</summary>
    public string Line(FailureRecord record)
    {
        var key = record.KeyId is null ? "-" : keyNames.TryGetValue(record.KeyId, out var name) ? $"{record.KeyId} ({name})" : record.KeyId;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{record.Timestamp}  {record.StatusCode}  {record.Kind}  {record.Method} {record.Path}  key {key}  model {record.Model ?? "-"}  {record.DurationMs} ms  {record.RequestId}  {record.Message}");
        return OneLine(line);
    }

    /// <summary>A record's text is visible text already; a line break from an older writer would still split the line.</summary>
    private static string OneLine(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }
}
