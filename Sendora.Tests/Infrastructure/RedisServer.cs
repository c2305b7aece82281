using System.Diagnostics;

namespace Sendora.Tests.Infrastructure;

/// <summary>
/// A redis-server for the tests: the one test.sh started (SENDORA_TEST_REDIS), or else one this process starts on a
/// free port and stops when the process exits. Each started server keeps an append-only file, fsynced on every
/// write, in a directory of its own, never the system service's.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly Lazy<Task<string>> Shared = new(StartSharedAsync);

    private readonly ProcessStartInfo _start;
    private readonly string _directory;
    private readonly int _port;
    private Process _process;

    private RedisServer(ProcessStartInfo start, Process process, string directory, int port)
    {
        _start = start;
        _process = process;
        _directory = directory;
        _port = port;
        ConnectionString = $"127.0.0.1:{port}";
    }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string ConnectionString { get; }

    /// <summary>Returns the connection string of the redis-server that all tests share.</summary>
    public static Task<string> GetSharedConnectionStringAsync() => Shared.Value;

    /// <summary>Starts a private redis-server on a free port with its data in a new temporary directory.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var executable = FindExecutable();
        var port = Ports.GetFree();
        var directory = Directory.CreateTempSubdirectory("sendora-redis-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList =
            {
                "--bind", "127.0.0.1", "--port", port.ToString(), "--protected-mode", "yes", "--daemonize", "no",
                "--dir", directory, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = await LaunchAsync(start, port);
        return new RedisServer(start, process, directory, port);
    }

    /// <summary>Ends redis-server at once with SIGKILL, as a crash would: only its append-only file remains.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Starts a killed redis-server again on the same port, which loads its append-only file.</summary>
    public async Task RestartAsync()
    {
        if (!_process.HasExited)
        {
            throw new InvalidOperationException("redis-server is still running; kill it before restarting it.");
        }

        _process.Dispose();
        _process = await LaunchAsync(_start, _port);
    }

    /// <summary>Kills redis-server and deletes its data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<Process> LaunchAsync(ProcessStartInfo start, int port)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Ports.WaitUntilOpenAsync(port, TimeSpan.FromSeconds(30), "redis-server");
        return process;
    }

    private static string FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin";
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "redis-server is not on PATH: run ./test.sh, which installs Debian's redis-server package, "
            + "or run 'apt-get install redis-server' as root.");
    }

    private static async Task<string> StartSharedAsync()
    {
        if (Environment.GetEnvironmentVariable("SENDORA_TEST_REDIS") is { Length: > 0 } configured)
        {
            return configured;
        }

        var redis = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => redis.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return redis.ConnectionString;
    }
}
