using System.Diagnostics;
using Npgsql;

namespace Sendora.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server for the tests: the one test.sh started (SENDORA_TEST_POSTGRES), or else a private cluster
/// this process creates with initdb from /usr/lib/postgresql/*/bin on a free port and stops when the process exits.
/// Tests keep apart by using schemas of their own.
/// </summary>
public static class Postgres
{
    private static readonly Lazy<Task<string>> Shared = new(StartSharedAsync);

    /// <summary>Returns the connection string of the PostgreSQL that all tests share.</summary>
    public static Task<string> GetConnectionStringAsync() => Shared.Value;

    /// <summary>Returns a schema name no other test uses.</summary>
    public static string NewSchema(string prefix) => $"{prefix}_{Guid.NewGuid().ToString("N")[..12]}";

    /// <summary>Runs <paramref name="sql"/> and returns every row as an array of its column values.</summary>
    public static async Task<List<object?[]>> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(await GetConnectionStringAsync());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public static async Task<long> CountAsync(string sql) => Convert.ToInt64((await QueryAsync(sql))[0][0]);

    private static async Task<string> StartSharedAsync()
    {
        if (Environment.GetEnvironmentVariable("SENDORA_TEST_POSTGRES") is { Length: > 0 } configured)
        {
            return configured;
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "postgres"))).OrderBy(d => d, StringComparer.Ordinal).LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException(
                "PostgreSQL is missing: run ./test.sh, which installs Debian's postgresql package, or set SENDORA_TEST_POSTGRES.");
        }

        var dataDirectory = Path.Combine(Path.GetTempPath(), "sendora-test-postgres-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDirectory);

        // initdb and postgres refuse to run as root, so under root they run as the postgres user.
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["postgres:", dataDirectory]);
        }

        await RunAsync(Path.Combine(bin, "initdb"),
            ["-D", dataDirectory, "-U", "sendora", "--auth=trust", "-E", "UTF8", "--no-instructions"], asRoot);
        var port = Ports.GetFree();

        // The shell stops the server and deletes its data when its standard input closes, which happens however this
        // process ends, even when the test runner kills it and no exit handler runs.
        var script = "\"$0\" -D \"$1\" -p \"$2\" -c listen_addresses=127.0.0.1 -c unix_socket_directories=\"$1\" -c fsync=off & "
            + "server=$!; cat >/dev/null; kill -INT $server; wait $server; rm -rf \"$1\"";
        Start("/bin/sh", ["-c", script, Path.Combine(bin, "postgres"), dataDirectory, port.ToString()], asRoot, keepInputOpen: true);

        await Ports.WaitUntilOpenAsync(port, TimeSpan.FromSeconds(60), "PostgreSQL");
        var connectionString = $"Host=127.0.0.1;Port={port};Username=sendora;Database=postgres";
        await WaitUntilReadyAsync(connectionString);
        return connectionString;
    }

    // The port opens before the server finishes recovery, when connections still get "the database system is starting up".
    private static async Task WaitUntilReadyAsync(string connectionString)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static Process Start(string executable, IReadOnlyList<string> arguments, bool asPostgresUser, bool keepInputOpen = false)
    {
        var start = asPostgresUser ? new ProcessStartInfo("runuser") : new ProcessStartInfo(executable);
        if (asPostgresUser)
        {
            foreach (var argument in (string[])["-u", "postgres", "--", executable])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.RedirectStandardInput = keepInputOpen;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task RunAsync(string executable, IReadOnlyList<string> arguments, bool asPostgresUser = false)
    {
        using var process = Start(executable, arguments, asPostgresUser);
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{executable} {string.Join(' ', arguments)} exited with code {process.ExitCode}.");
        }
    }
}
