using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Sendora.Tests.Infrastructure;

/// <summary>
/// A silo or gateway running as its own process from the build output, as ./run.sh starts them, with
/// its output kept for failure messages.
/// </summary>
public sealed class SendoraProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SendoraProcess(Process process, string name, IReadOnlyDictionary<string, string> environment)
    {
        _process = process;
        Name = name;
        Environment = environment;
    }

    public string Name { get; }

    /// <summary>The environment variables the process was started with on top of the test's own.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote to standard output and error so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>Sendora.Silo</c> or <c>Sendora.Gateway</c> with <paramref name="environment"/> added.</summary>
    public static SendoraProcess Start(string project, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dll = Path.Combine(TestEnvironment.BuildOutput(project), project + ".dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution first.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestEnvironment.BuildOutput(project),
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var wrapper = new SendoraProcess(process, project, new Dictionary<string, string>(environment));
        process.OutputDataReceived += (_, e) => wrapper.Append(e.Data);
        process.ErrorDataReceived += (_, e) => wrapper.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Ends the process at once with SIGKILL, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Asks the process to stop with SIGTERM, as a service manager or Ctrl+C in run.sh does.</summary>
    public async Task StopAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits until the output contains <paramref name="text"/>, or throws after <paramref name="timeout"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not write '{text}' within {timeout.TotalSeconds:0} seconds. Output:\n{Output}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Waits for the process to exit, or throws after <paramref name="timeout"/>.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {timeout.TotalSeconds:0} seconds. Output:\n{Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
