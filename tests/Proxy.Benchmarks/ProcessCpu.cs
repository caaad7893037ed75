using System.Globalization;

namespace Proxy.Benchmarks;

/// <summary>
/// CPU time (user + system) a process and its live descendants have used so far, from <c>/proc/&lt;pid&gt;/stat</c>:
/// the kernel's own accounting, read from outside, so that measuring costs the process nothing. Descendants count
/// because a peer may serve from child processes (nginx's workers, the Functions host's worker).
/// </summary>
internal static class ProcessCpu
{
    // /proc reports in USER_HZ, which Linux fixes at 100 for user space on every architecture it supports.
    private const double TicksPerSecond = 100;

    public static bool Available => File.Exists("/proc/self/stat");

    public static TimeSpan Of(int processId)
    {
        var stats = Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), out var id) ? Read(id) : null)
            .OfType<Stat>()
            .ToList();
        var tree = new HashSet<int> { processId };

        // Parents before children is not guaranteed by pid order, so grow the tree until it stops growing.
        for (var grown = true; grown;)
        {
            grown = false;
            foreach (var stat in stats.Where(stat => tree.Contains(stat.ParentId) && tree.Add(stat.Id)))
            {
                grown = true;
            }
        }

        return TimeSpan.FromSeconds(stats.Where(stat => tree.Contains(stat.Id)).Sum(stat => stat.Ticks) / TicksPerSecond);
    }

    private static Stat? Read(int processId)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{processId}/stat");
        }
        catch (IOException)
        {
            return null; // It ended between the listing and the read.
        }

        // The command name (field 2) is in parentheses and may hold spaces: the fields are counted from after it.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var parentId = int.Parse(fields[1], CultureInfo.InvariantCulture);
        var userTicks = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var systemTicks = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return new Stat(processId, parentId, userTicks + systemTicks);
    }

    private sealed record Stat(int Id, int ParentId, long Ticks);
}
