using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Sendora.Tests.Infrastructure;
using Xunit.Sdk;

namespace Sendora.Tests.Clients;

/// <summary>
/// Runs a script from tools/clients with Node.js and keeps its output for failure messages. A
/// missing Node.js or npm package fails the test instead of skipping it, because CI installs both.
/// </summary>
public sealed class NodeScript
{
    private NodeScript(string name, int exitCode, string output, string error)
    {
        Name = name;
        ExitCode = exitCode;
        Output = output;
        Error = error;
    }

    public string Name { get; }

    public int ExitCode { get; }

    /// <summary>Standard output.</summary>
    public string Output { get; }

    /// <summary>Standard error.</summary>
    public string Error { get; }

    /// <summary>
    /// Runs <c>node tools/clients/<paramref name="script"/></c> with <paramref name="arguments"/> and
    /// kills it with its child processes when it runs longer than <paramref name="timeout"/>.
    /// </summary>
    public static async Task<NodeScript> RunAsync(string script, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var path = Path.Combine(TestEnvironment.ToolsDirectory, "clients", script);
        if (!File.Exists(path))
        {
            throw new XunitException(
                $"{path} is missing: set SENDORA_TOOLS_DIR to the repository's tools folder, or unset it.");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = TestEnvironment.ToolsDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var error = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => AppendLine(output, e.Data);
        process.ErrorDataReceived += (_, e) => AppendLine(error, e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception exception)
        {
            throw new XunitException(
                $"Node.js could not be started ({exception.Message}): install Node.js 20 or later and put 'node' " +
                "on PATH. ./test.sh checks for it.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new XunitException(
                $"node {script} did not exit within {timeout.TotalSeconds:0} s and was killed.\n" +
                $"stdout:\n{Read(output)}\nstderr:\n{Read(error)}");
        }

        // WaitForExitAsync returns once the output streams are drained, so both texts are complete here.
        return new NodeScript(script, process.ExitCode, Read(output), Read(error));
    }

    /// <summary>Fails with a message that names the missing folder when an npm package is not installed.</summary>
    public static void RequirePackage(string package)
    {
        var folder = Path.Combine(TestEnvironment.ToolsDirectory, "node_modules", package);
        if (!Directory.Exists(folder))
        {
            throw new XunitException(
                $"The npm package {package} is missing from {folder}: run 'npm ci' in tools/ (./test.sh does).");
        }
    }

    /// <summary>Fails with both output streams unless the script exited with code 0.</summary>
    public void AssertSucceeded()
    {
        if (ExitCode != 0)
        {
            throw new XunitException(
                $"node {Name} exited with code {ExitCode}.\nstdout:\n{Output}\nstderr:\n{Error}");
        }
    }

    /// <summary>Parses the last line of standard output, where the client scripts print their JSON result.</summary>
    public JsonElement ReadResult()
    {
        var line = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault();
        if (line is null)
        {
            throw new XunitException($"node {Name} printed nothing to stdout.\nstderr:\n{Error}");
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new XunitException(
                $"The last stdout line of node {Name} is not JSON ({exception.Message}): {line}\nstderr:\n{Error}");
        }
    }

    private static void AppendLine(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }

    private static string Read(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
