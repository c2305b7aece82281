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

    private readonly Process _process;

    private Azurite(Process process, string connectionString)
    {
        _process = process;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    /// <summary>Returns the connection string of the Azurite that all tests share.</summary>
    public static Task<string> GetSharedConnectionStringAsync() => Shared.Value;

    /// <summary>Starts a private Azurite, for tests that stop storage on purpose.</summary>
    public static async Task<Azurite> StartAsync()
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
                "--silent", "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl", "--disableTelemetry",
                "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                "--blobPort", blob.ToString(), "--queuePort", queue.ToString(), "--tablePort", table.ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Ports.WaitUntilOpenAsync(table, TimeSpan.FromSeconds(30), "Azurite");
        await Ports.WaitUntilOpenAsync(queue, TimeSpan.FromSeconds(30), "Azurite");
        return new Azurite(process, ConnectionStringFor(blob, queue, table));
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
