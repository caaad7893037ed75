using System.Text;
using Proxy.Cli;

namespace Proxy.Tests.Infrastructure;

/// <summary>
/// Runs the operator CLI inside the test process, through the same entry point its <c>Program</c> calls: its exit code and
/// what it printed. Its environment is exactly the storage and the settings given, never the test process's own.
/// </summary>
internal static class InProcessCli
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static Task<(int ExitCode, string Output)> RunAsync(string storage, params string[] arguments) => RunAsync(storage, arguments, []);

    public static Task<(int ExitCode, string Output)> RunAsync(string storage, string[] arguments, params (string Name, string Value)[] settings) =>
        RunInAsync(Path.GetTempPath(), storage, arguments, settings);

    /// <summary>
    /// Runs the CLI as if from <paramref name="workingDirectory"/>. With <paramref name="storage"/> null, no <c>AzureWebJobsStorage</c>
    /// is in its environment, so that it must find its settings by itself.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunInAsync(
        string workingDirectory, string? storage, string[] arguments, params (string Name, string Value)[] settings)
    {
        using var run = Start(workingDirectory, storage, arguments, settings);
        var exitCode = await run.WaitForExitAsync(s_timeout);
        return (exitCode, run.Output + run.Error);
    }

    /// <summary>Starts the CLI in the background, for a command that runs until stopped (<c>failures tail</c>).</summary>
    public static Running Start(string storage, string[] arguments, params (string Name, string Value)[] settings) =>
        Start(Path.GetTempPath(), storage, arguments, settings);

    private static Running Start(string workingDirectory, string? storage, string[] arguments, (string Name, string Value)[] settings)
    {
        var environment = settings.ToDictionary(setting => setting.Name, setting => setting.Value, StringComparer.OrdinalIgnoreCase);
        if (storage is not null)
        {
            environment["AzureWebJobsStorage"] = storage;
        }

        return new Running(arguments, workingDirectory, environment);
    }

    /// <summary>A run of the CLI: what it has printed so far, and its exit code once it ends.</summary>
    internal sealed class Running : IDisposable
    {
        private readonly LockedWriter _output = new();
        private readonly LockedWriter _error = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<int> _exit;
        private readonly string _command;

        public Running(string[] arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment)
        {
            _command = "proxy-cli " + string.Join(' ', arguments);
            _exit = Task.Run(() => CliApp.RunAsync(arguments, _output, _error, workingDirectory, environment, _stop.Token));
        }

        public string Output => _output.ToString();

        public string Error => _error.ToString();

        /// <summary>Waits until standard error has a line containing <paramref name="text"/>.</summary>
        public async Task WaitForErrorAsync(string text, TimeSpan timeout)
        {
            await Eventually.TrueAsync(() => Task.FromResult(Error.Contains(text, StringComparison.Ordinal) || _exit.IsCompleted), timeout,
                $"{_command} printed '{text}' on standard error");
            Assert.True(Error.Contains(text, StringComparison.Ordinal), $"{_command} ended before printing '{text}': {Output}{Error}");
        }

        /// <summary>The exit code; fails the test if it has not ended within <paramref name="timeout"/> (a hang, not a bound).</summary>
        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            try
            {
                return await _exit.WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                _stop.Cancel();
                Assert.Fail($"{_command} did not end within {timeout}: {Output}{Error}");
                throw;
            }
        }

        /// <summary>Stops a run still going, as Ctrl+C does.</summary>
        public void Dispose()
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }

    /// <summary>A writer read while the command writes to it.</summary>
    private sealed class LockedWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_text)
            {
                _text.Append(value);
            }
        }

        public override string ToString()
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }
}
