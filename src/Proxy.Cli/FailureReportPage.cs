using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Proxy.Cli;

/// <summary>
/// The summary as one self-contained HTML page (no network, no library): charts drawn in the browser from the
/// summary's JSON embedded in the page, over a continuous axis of every hour of the window (failures per hour by kind
/// with the ledger's error rate, requests per hour, latency percentiles), and the same tables `summary` prints.
/// </summary>
internal static class FailureReportPage
{
    public static string Render(FailureSummary summary)
    {
        // The serializer escapes <, > and & in strings, so no record's text can close the script element.
        var data = JsonSerializer.Serialize(FailureSummaryDocument.Of(summary), FailureSummaryJsonContext.Default.FailureSummaryDocument);
        var from = summary.Window.From.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
        var until = summary.Window.Until.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
        var given = summary.Filter.Given();
        var filters = given.Count == 0 ? "none" : string.Join(", ", given.Select(filter => $"--{filter.Name} {filter.Value}"));
        var requests = summary.Usage is { } usage ? FailureSummary.Describe(usage) : "no usage recorded";
        var latency = summary.Latency is { } overall ? FailureSummary.Describe(overall) : "no durations";
        var requestsChart = summary.UsageRecorded
            ? """<svg id="requests-chart" width="960" height="320" role="img" aria-label="Requests per hour"></svg>"""
            : """<p id="no-usage">No usage recorded for this window: the usage ledger has no rows, so there are no requests to rate the failures by.</p>""";

        var page = new StringBuilder();
        page.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Proxy failures {{Encode(from)}} to {{Encode(until)}}</title>
            <style>
              body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; }
              h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
              table { border-collapse: collapse; } td, th { padding: .2rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }
              td.n { text-align: right; font-variant-numeric: tabular-nums; }
              dl { display: grid; grid-template-columns: max-content auto; gap: .1rem 1rem; } dt { font-weight: 600; } dd { margin: 0; }
              .legend span { display: inline-block; margin-right: 1rem; } .legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; }
              svg text { font-size: 11px; fill: #333; }
            </style>
            </head>
            <body>
            <h1>{{summary.Total}} failures from {{Encode(from)}} until {{Encode(until)}}</h1>
            <dl>
              <dt>Filters</dt><dd id="filters">{{Encode(filters)}}</dd>
              <dt>Requests (usage ledger)</dt><dd id="requests">{{Encode(requests)}}</dd>
              <dt>Latency (durationMs of the failures)</dt><dd id="latency">{{Encode(latency)}}</dd>
            </dl>
            <p>Every UTC hour of the window is on the axis; an hour without failures shows none. The ledger counts all of a key's
            requests: --kind, --model and --status narrow the failures, not the requests.</p>
            <h2>Failures per hour, by kind, and the error rate</h2>
            <svg id="failures-chart" width="960" height="320" role="img" aria-label="Failures per hour by kind, and error rate"></svg>
            <div class="legend" id="legend"></div>
            <h2>Requests per hour</h2>
            {{requestsChart}}
            <h2>Latency of the failures per hour (p50, p95, p99)</h2>
            <svg id="latency-chart" width="960" height="320" role="img" aria-label="Latency percentiles per hour"></svg>
            <div class="legend" id="latency-legend"></div>
            <script type="application/json" id="data">{{data}}</script>
            <script>
            (function () {
              var data = JSON.parse(document.getElementById('data').textContent);
              var ns = 'http://www.w3.org/2000/svg';
              var palette = ['#d62728', '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939', '#843c39', '#5254a3', '#8ca252', '#bd9e39'];
              var width = 960, height = 320, left = 70, right = 70, top = 30, bottom = 64;
              var plotHeight = height - top - bottom, hours = data.perHour, kinds = data.byKind.map(function (k) { return k.name; });
              var slot = (width - left - right) / Math.max(hours.length, 1), bar = Math.max(Math.min(slot * 0.7, 48), 1);
              function el(svg, name, attrs, text) {
                var e = document.createElementNS(ns, name);
                for (var k in attrs) { e.setAttribute(k, attrs[k]); }
                if (text !== undefined) { e.textContent = text; }
                svg.appendChild(e); return e;
              }
              function tip(e, text) { var t = document.createElementNS(ns, 'title'); t.textContent = text; e.appendChild(t); }
              // Round ticks (1, 2 or 5 times a power of ten) from 0 past the largest value, about five of them.
              // Counts and milliseconds step by whole numbers; a percentage may step by tenths.
              function ticks(max, whole) {
                max = Math.max(max, 1);
                var raw = max / 5, power = Math.pow(10, Math.floor(Math.log10(raw))), step = [1, 2, 5, 10].map(function (m) { return m * power; }).filter(function (s) { return s >= raw; })[0];
                if (whole) { step = Math.max(step, 1); }
                var list = []; for (var v = 0; v <= max + step * 0.999; v += step) { list.push(+v.toFixed(6)); } return list;
              }
              function y(value, scaleMax) { return top + plotHeight - value / scaleMax * plotHeight; }
              function xCenter(i) { return left + i * slot + slot / 2; }
              function axes(svg, list, unit, side) {
                var x = side === 'right' ? width - right : left, scaleMax = list[list.length - 1];
                el(svg, 'line', { x1: x, y1: top, x2: x, y2: top + plotHeight, stroke: '#999' });
                list.forEach(function (v) {
                  el(svg, 'line', { x1: x, y1: y(v, scaleMax), x2: side === 'right' ? x + 4 : x - 4, y2: y(v, scaleMax), stroke: '#999' });
                  if (side !== 'right') { el(svg, 'line', { x1: left, y1: y(v, scaleMax), x2: width - right, y2: y(v, scaleMax), stroke: '#eee' }); }
                  el(svg, 'text', { 'class': 'tick', x: side === 'right' ? x + 7 : x - 7, y: y(v, scaleMax) + 4, 'text-anchor': side === 'right' ? 'start' : 'end' }, v + unit.tick);
                });
                el(svg, 'text', { 'class': 'unit', x: side === 'right' ? width - 4 : 4, y: top - 4, 'text-anchor': side === 'right' ? 'end' : 'start' }, unit.title);
                return scaleMax;
              }
              function timeAxis(svg) {
                el(svg, 'line', { x1: left, y1: top + plotHeight, x2: width - right, y2: top + plotHeight, stroke: '#999' });
                var every = Math.max(Math.ceil(hours.length / 24), 1);
                hours.forEach(function (h, i) {
                  el(svg, 'line', { x1: xCenter(i), y1: top + plotHeight, x2: xCenter(i), y2: top + plotHeight + 3, stroke: '#bbb' });
                  if (i % every !== 0) { return; }
                  var lx = xCenter(i), ly = top + plotHeight + 14;
                  el(svg, 'text', { 'class': 'hour', x: lx, y: ly, 'text-anchor': 'end', transform: 'rotate(-40 ' + lx + ' ' + ly + ')' }, h.hour.slice(5, 10) + ' ' + h.hour.slice(11, 13) + 'h');
                });
              }
              function done(svg) {
                var box = svg.getBoundingClientRect();
                svg.setAttribute('data-box', [box.left + window.scrollX, box.top + window.scrollY, box.width, box.height].map(Math.round).join(','));
                svg.setAttribute('data-drawn', 'true');
              }

              var failures = document.getElementById('failures-chart');
              var failureMax = axes(failures, ticks(Math.max.apply(null, hours.map(function (h) { return h.total; }).concat([1])), true), { tick: '', title: 'failures per hour' }, 'left');
              timeAxis(failures);
              hours.forEach(function (h, i) {
                var x = xCenter(i) - bar / 2, base = top + plotHeight;
                kinds.forEach(function (kind, k) {
                  var found = h.byKind.filter(function (c) { return c.name === kind; })[0];
                  if (!found) { return; }
                  var barHeight = found.count / failureMax * plotHeight;
                  base -= barHeight;
                  tip(el(failures, 'rect', { 'class': 'bar', x: x, y: base, width: bar, height: barHeight, fill: palette[k % palette.length], 'data-kind': kind, 'data-hour': h.hour, 'data-count': found.count }), h.hour + ' ' + kind + ': ' + found.count);
                });
              });
              var legend = kinds.map(function (kind, k) { return '<span><i style="background:' + palette[k % palette.length] + '"></i>' + kind.replace(/[<>&]/g, '') + '</span>'; });
              if (data.usageRecorded) {
                var rates = hours.map(function (h) { return h.errorRate === null ? null : h.errorRate * 100; });
                var rateMax = axes(failures, ticks(Math.max.apply(null, rates.filter(function (r) { return r !== null; }).concat([1])), false), { tick: '%', title: 'error rate' }, 'right');
                var points = [];
                rates.forEach(function (rate, i) {
                  if (rate === null) { return; }
                  points.push(xCenter(i) + ',' + y(rate, rateMax));
                  tip(el(failures, 'circle', { 'class': 'rate', cx: xCenter(i), cy: y(rate, rateMax), r: 3, fill: '#000', 'data-hour': hours[i].hour, 'data-rate': rate.toFixed(2) }), hours[i].hour + ' error rate: ' + rate.toFixed(2) + '%');
                });
                el(failures, 'polyline', { points: points.join(' '), fill: 'none', stroke: '#000', 'stroke-width': 1.5 });
                legend.push('<span><i style="background:#000"></i>error rate (ledger)</span>');
              }
              document.getElementById('legend').innerHTML = legend.join('');
              done(failures);

              var requests = document.getElementById('requests-chart');
              if (requests) {
                var requestMax = axes(requests, ticks(Math.max.apply(null, hours.map(function (h) { return h.requests || 0; }).concat([1])), true), { tick: '', title: 'requests per hour' }, 'left');
                timeAxis(requests);
                hours.forEach(function (h, i) {
                  if (!h.requests) { return; }
                  var barHeight = h.requests / requestMax * plotHeight;
                  tip(el(requests, 'rect', { 'class': 'requests', x: xCenter(i) - bar / 2, y: top + plotHeight - barHeight, width: bar, height: barHeight, fill: '#1f77b4', 'data-hour': h.hour, 'data-requests': h.requests }), h.hour + ': ' + h.requests + ' requests, ' + h.failed + ' failed');
                });
                done(requests);
              }

              var latency = document.getElementById('latency-chart');
              var latencyMax = axes(latency, ticks(Math.max.apply(null, hours.map(function (h) { return h.latencyMs ? h.latencyMs.p99 : 0; }).concat([1])), true), { tick: ' ms', title: 'durationMs' }, 'left');
              timeAxis(latency);
              [['p50', '#2ca02c'], ['p95', '#ff7f0e'], ['p99', '#d62728']].forEach(function (p) {
                var points = [];
                hours.forEach(function (h, i) {
                  if (!h.latencyMs) { return; }
                  var v = h.latencyMs[p[0]];
                  points.push(xCenter(i) + ',' + y(v, latencyMax));
                  tip(el(latency, 'circle', { 'class': 'latency', cx: xCenter(i), cy: y(v, latencyMax), r: 3, fill: p[1], 'data-percentile': p[0], 'data-hour': h.hour, 'data-ms': v }), h.hour + ' ' + p[0] + ': ' + v + ' ms');
                });
                el(latency, 'polyline', { points: points.join(' '), fill: 'none', stroke: p[1], 'stroke-width': 1.5 });
              });
              document.getElementById('latency-legend').innerHTML = '<span><i style="background:#2ca02c"></i>p50</span><span><i style="background:#ff7f0e"></i>p95</span><span><i style="background:#d62728"></i>p99</span>';
              done(latency);
            })();
            </script>
            """);

        AppendTable(page, "By kind", summary.ByKind);
        AppendTable(page, "By status", summary.ByStatus);
        AppendTable(page, "By path", summary.ByPath);
        AppendTable(page, "By model", summary.ByModel);
        page.Append("<h2>By key</h2>\n<table>\n<tr><th>Failures</th><th>Key id</th><th>Name</th></tr>\n");
        foreach (var key in summary.ByKey)
        {
            page.Append(CultureInfo.InvariantCulture, $"<tr class=\"key\"><td class=\"n\">{key.Count}</td><td>{Encode(key.KeyId)}</td><td>{Encode(key.Name ?? "")}</td></tr>\n");
        }

        page.Append("</table>\n");
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
