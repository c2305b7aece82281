using System.Diagnostics;

namespace Sendora.Tests.Infrastructure;

/// <summary>
/// An Azurite instance for the tests: the one test.sh started (SENDORA_TEST_STORAGE), or else one this
/// process starts in memory on free ports from tools/node_modules and stops when the process exits.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private const string AccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<Task<string>> Shared = new(StartSharedAsync);

    private readonly ProcessStartInfo _start;
    private readonly int _queuePort;
    private readonly int _tablePort;
    private Process _process;

    private Azurite(ProcessStartInfo start, Process process, int queuePort, int tablePort, string connectionString)
    {
        _start = start;
        _process = process;
        _queuePort = queuePort;
        _tablePort = tablePort;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <summary>Returns the connection string of the Azurite that all tests share.</summary>
    public static Task<string> GetSharedConnectionStringAsync() => Shared.Value;

    /// <summary>
    /// Starts a private Azurite, for tests that stop storage on purpose. It keeps its data in memory, or in
    /// <paramref name="dataDirectory"/> when given, so that <see cref="StopAsync"/> and <see cref="RestartAsync"/>
    /// act like a storage outage that loses nothing.
    /// </summary>
    public static async Task<Azurite> StartAsync(string? dataDirectory = null)
    {
        var blob = Ports.GetFree();
        var queue = Ports.GetFree();
        var table = Ports.GetFree();
        var executable = Path.Combine(TestEnvironment.ToolsDirectory, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"{executable} is missing: run ./test.sh, or 'npm ci' in tools/.");
        }

        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--silent", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl", "--disableTelemetry",
                "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                "--blobPort", blob.ToString(), "--queuePort", queue.ToString(), "--tablePort", table.ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (dataDirectory is null)
        {
            start.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            start.ArgumentList.Add("--location");
            start.ArgumentList.Add(dataDirectory);
        }

        var process = await LaunchAsync(start, queue, table);
        return new Azurite(start, process, queue, table, ConnectionStringFor(blob, queue, table));
    }

    /// <summary>
    /// Stops Azurite with SIGTERM, which lets it save its data, and waits for it to exit. It is killed if it has
    /// not exited within 10 seconds.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Starts a stopped Azurite again on the same ports, with the same data directory.</summary>
    public async Task RestartAsync()
    {
        if (!_process.HasExited)
        {
            throw new InvalidOperationException("Azurite is still running; stop it before restarting it.");
        }

        _process.Dispose();
        _process = await LaunchAsync(_start, _queuePort, _tablePort);
    }

    public static string ConnectionStringFor(int blob, int queue, int table) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";

    /// <summary>Kills Azurite, which loses everything it stored.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task<Process> LaunchAsync(ProcessStartInfo start, int queuePort, int tablePort)
    {
        var process = Process.Start(TiedProcess.Wrap(start)) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Ports.WaitUntilOpenAsync(tablePort, TimeSpan.FromSeconds(30), "Azurite");
        await Ports.WaitUntilOpenAsync(queuePort, TimeSpan.FromSeconds(30), "Azurite");
        return process;
    }

    private static async Task<string> StartSharedAsync()
    {
        if (Environment.GetEnvironmentVariable("SENDORA_TEST_STORAGE") is { Length: > 0 } configured)
        {
            return configured;
        }

        var azurite = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return azurite.ConnectionString;
    }
}
