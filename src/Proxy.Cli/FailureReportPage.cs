using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Proxy.Cli;

/// <summary>
/// The summary as one self-contained HTML page: a stacked bar chart of failures per hour by kind, drawn in the
/// browser from the data embedded in the page (no network, no library), and the same tables `summary` prints.
/// </summary>
internal static class FailureReportPage
{
    public static string Render(FailureSummary summary)
    {
        var kinds = summary.ByKind.Select(kind => kind.Name).ToList();
        var data = JsonSerializer.Serialize(new
        {
            kinds,
            hours = summary.PerHour.Select(hour => new
            {
                hour = hour.Hour.ToString("yyyy-MM-dd HH:00'Z'", CultureInfo.InvariantCulture),
                counts = kinds.Select(kind => hour.ByKind.FirstOrDefault(pair => pair.Name == kind).Count).ToArray(),
            }),
        });

        var page = new StringBuilder();
        page.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Proxy failures since {{Encode(summary.Since.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture))}}</title>
            <style>
              body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
              h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
              table { border-collapse: collapse; } td, th { padding: .2rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }
              td.n { text-align: right; font-variant-numeric: tabular-nums; }
              .legend span { display: inline-block; margin-right: 1rem; } .legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; }
            </style>
            </head>
            <body>
            <h1>{{summary.Total}} failures since {{Encode(summary.Since.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture))}}</h1>
            <h2>Failures per hour, by kind</h2>
            <svg id="chart" width="900" height="320" role="img" aria-label="Failures per hour by kind"></svg>
            <div class="legend" id="legend"></div>
            <script type="application/json" id="data">{{data}}</script>
            <script>
            (function () {
              var data = JSON.parse(document.getElementById('data').textContent);
              var svg = document.getElementById('chart'), ns = 'http://www.w3.org/2000/svg';
              var palette = ['#d62728', '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939', '#843c39'];
              var width = 900, height = 320, left = 50, bottom = 60, top = 10;
              var max = Math.max.apply(null, data.hours.map(function (h) { return h.counts.reduce(function (a, b) { return a + b; }, 0); }).concat([1]));
              var slot = (width - left) / Math.max(data.hours.length, 1), bar = Math.min(Math.max(slot * 0.7, 2), 48);
              function el(name, attrs, text) {
                var e = document.createElementNS(ns, name);
                for (var k in attrs) { e.setAttribute(k, attrs[k]); }
                if (text !== undefined) { e.textContent = text; }
                svg.appendChild(e); return e;
              }
              el('line', { x1: left, y1: height - bottom, x2: width, y2: height - bottom, stroke: '#999' });
              el('text', { x: left - 8, y: top + 10, 'text-anchor': 'end', 'font-size': 11 }, String(max));
              el('text', { x: left - 8, y: height - bottom, 'text-anchor': 'end', 'font-size': 11 }, '0');
              data.hours.forEach(function (h, i) {
                var x = left + i * slot + (slot - bar) / 2, y = height - bottom;
                h.counts.forEach(function (count, k) {
                  if (count === 0) { return; }
                  var barHeight = count / max * (height - bottom - top);
                  y -= barHeight;
                  var rect = el('rect', { 'class': 'bar', x: x, y: y, width: bar, height: barHeight, fill: palette[k % palette.length], 'data-kind': data.kinds[k], 'data-hour': h.hour, 'data-count': count });
                  var tip = document.createElementNS(ns, 'title'); tip.textContent = h.hour + ' ' + data.kinds[k] + ': ' + count; rect.appendChild(tip);
                });
                el('text', { x: x + bar / 2, y: height - bottom + 14, 'text-anchor': 'end', 'font-size': 10, transform: 'rotate(-40 ' + (x + bar / 2) + ' ' + (height - bottom + 14) + ')' }, h.hour.slice(5, 13) + 'h');
              });
              document.getElementById('legend').innerHTML = data.kinds.map(function (kind, k) {
                return '<span><i style="background:' + palette[k % palette.length] + '"></i>' + kind.replace(/[<>&]/g, '') + '</span>';
              }).join('');
              svg.setAttribute('data-drawn', 'true');
            })();
            </script>
            """);

        AppendTable(page, "By kind", summary.ByKind);
        AppendTable(page, "By status", summary.ByStatus);
        AppendTable(page, "By path", summary.ByPath);
        AppendTable(page, "By model", summary.ByModel);
        AppendTable(page, "By key", summary.ByKey);
        AppendTable(page, "Top messages", summary.TopMessages.Take(20).ToList());
        page.Append("</body>\n</html>\n");
        return page.ToString();
    }

    private static void AppendTable(StringBuilder page, string title, IReadOnlyList<(string Name, int Count)> counts)
    {
        page.Append(CultureInfo.InvariantCulture, $"<h2>{Encode(title)}</h2>\n<table>\n");
        foreach (var (name, count) in counts)
        {
            page.Append(CultureInfo.InvariantCulture, $"<tr><td class=\"n\">{count}</td><td>{Encode(name)}</td></tr>\n");
        }

        page.Append("</table>\n");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
