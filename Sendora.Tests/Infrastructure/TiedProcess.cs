using System.Diagnostics;
using System.Globalization;

namespace Sendora.Tests.Infrastructure;

/// <summary>
/// Starts a server that ends with the test host. The test runner may end the host without running its exit
/// handlers, so a POSIX shell watches the host's process id and sends the server SIGTERM once the host is gone.
/// </summary>
public static class TiedProcess
{
    // $1 is the test host's pid and the rest is the server's command line. SIGTERM to the shell reaches the server,
    // so stopping the shell stops the server as before, and killing the process tree kills both.
    private const string Watchdog =
        "parent=$1; shift; \"$@\" & child=$!; " +
        "trap 'kill -TERM $child 2>/dev/null; wait $child; exit $?' TERM INT; " +
        "while kill -0 $parent 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done; " +
        "kill -TERM $child 2>/dev/null; wait $child";

    /// <summary>Returns a copy of <paramref name="start"/> that runs its program under the watchdog shell.</summary>
    public static ProcessStartInfo Wrap(ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var wrapped = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = start.RedirectStandardOutput,
            RedirectStandardError = start.RedirectStandardError,
            WorkingDirectory = start.WorkingDirectory,
        };
        foreach (var argument in new[] { "-c", Watchdog, "sh", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), start.FileName })
        {
            wrapped.ArgumentList.Add(argument);
        }

        foreach (var argument in start.ArgumentList)
        {
            wrapped.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in start.Environment)
        {
            wrapped.Environment[name] = value;
        }

        return wrapped;
    }
}
