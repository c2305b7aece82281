using StackExchange.Redis;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Checks that Redis replies to PING. At start-up it stops a process whose Redis is unreachable at once, with the
/// endpoint in its message, and the gateway's readiness check runs it again on every request over one connection
/// that reconnects by itself.
/// </summary>
public sealed class RedisProbe : IAsyncDisposable
{
    private readonly RedisSettings _settings;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _connection;

    /// <summary>Creates a probe whose connection attempt and PING each fail after <paramref name="timeout"/>.</summary>
    public RedisProbe(RedisSettings settings, TimeSpan timeout)
    {
        RedisConnection.EnsureValid(settings);
        _settings = settings;
        _timeout = timeout;
    }

    /// <summary>Throws <see cref="StorageUnreachableException"/> when Redis does not reply to PING.</summary>
    public static async Task EnsureReachableAsync(RedisSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await using var probe = new RedisProbe(settings, settings.ProbeTimeout);
        await probe.CheckAsync(cancellationToken);
    }

    /// <summary>Sends PING and throws <see cref="StorageUnreachableException"/> naming the endpoint when it fails.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var connection = await ConnectAsync(cancellationToken);
            await connection.GetDatabase().PingAsync().WaitAsync(_timeout, cancellationToken);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException or OperationCanceledException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            // The client's own messages run to hundreds of characters of its internal state, which hide the fix.
            var reason = exception switch
            {
                TimeoutException => $"no response within {_timeout.TotalSeconds:0.#} seconds",
                RedisConnectionException connection => $"the connection failed ({connection.FailureType})",
                _ => exception.Message.Split('\n')[0].Trim(),
            };
            throw new StorageUnreachableException(
                $"Cannot reach Redis at {RedisConnection.DescribeEndpoints(_settings)}: {reason}. Start redis-server "
                + "(SENDORA_STORAGE=Redis ./run.sh does) or set Sendora:Redis:ConnectionString to a reachable Redis.",
                exception);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }

        _connecting.Dispose();
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing)
        {
            return existing;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_connection is null)
            {
                var options = RedisConnection.CreateOptions(_settings);

                // Without a connection at first, the multiplexer keeps reconnecting in the background, so a later check
                // succeeds once Redis is back. The PING reports the failure.
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = (int)Math.Min(int.MaxValue, _timeout.TotalMilliseconds);
                options.ConnectRetry = 1;
                _connection = await ConnectionMultiplexer.ConnectAsync(options).WaitAsync(_timeout, cancellationToken);
            }

            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }
}
