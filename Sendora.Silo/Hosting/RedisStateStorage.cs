using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Orleans.Persistence.Redis;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Sendora.Grains.Profiles;
using StackExchange.Redis;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Grain storage in Redis over several connections, each for the grains whose id hashes to it. Each grain's state is
/// written by one conditional script call from a pooled array.
/// </summary>
/// <remarks>
/// The layout is that of Orleans' Redis storage, so that either reads what the other wrote: one hash per grain state
/// under <c>{ServiceId}/state/{grain type}/{grain key}/{state name}</c>, with the fields <c>etag</c> and <c>data</c>.
/// A write or clear succeeds only while the stored etag is the one the grain read, so that a second activation of the
/// same grain cannot overwrite a newer state.
/// </remarks>
public sealed partial class RedisStateStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    /// <summary>Maximum length of a pooled array. Longer states get arrays of their own.</summary>
    public const int MaxPooledLength = 65_536;

    private const string WriteScript = """
        local etag = redis.call('HGET', KEYS[1], 'etag')
        if ((not etag or etag == '') and ARGV[1] == '') or etag == ARGV[1] then
          redis.call('HSET', KEYS[1], 'etag', ARGV[2], 'data', ARGV[3])
          return 0
        end
        return -1
        """;

    private static readonly byte[] WriteScriptHash = SHA1.HashData(Encoding.UTF8.GetBytes(WriteScript));

    private static readonly RedisValue EtagField = "etag";

    private static readonly RedisValue DataField = "data";

    private static readonly RedisValue NoData = RedisValue.EmptyString;

    private readonly Func<Task<IConnectionMultiplexer>> _connect;
    private readonly int _connectionCount;
    private readonly PooledStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly ArrayPool<byte> _stateBuffers;
    private readonly byte[] _keyPrefix;
    private readonly ILogger _logger;
    private IConnectionMultiplexer[] _connections = [];
    private IDatabase[] _databases = [];

    /// <param name="connect">Opens one connection to Redis.</param>
    /// <param name="connectionCount">How many connections <see cref="ConnectAsync"/> opens.</param>
    /// <param name="serviceId">The cluster's service id, the first part of every key.</param>
    /// <param name="serializer">The serializer of the states.</param>
    /// <param name="activators">Creates the state of a grain that has none stored.</param>
    /// <param name="logger">Logs failed reads and writes.</param>
    /// <param name="stateBuffers">The pool for serialized states. When null, the storage creates its own.</param>
    public RedisStateStorage(
        Func<Task<IConnectionMultiplexer>> connect,
        int connectionCount,
        string serviceId,
        PooledStorageSerializer serializer,
        IActivatorProvider activators,
        ILogger<RedisStateStorage> logger,
        ArrayPool<byte>? stateBuffers = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(connectionCount, 1);
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        _connect = connect;
        _connectionCount = connectionCount;
        _serializer = serializer;
        _activators = activators;
        _logger = logger;
        _stateBuffers = stateBuffers ?? CreatePool();
        _keyPrefix = Encoding.UTF8.GetBytes(serviceId + "/state/");
    }

    /// <summary>Opens the connections when the silo starts, before any grain runs.</summary>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RedisStateStorage), ServiceLifecycleStage.ApplicationServices, ConnectAsync);

    /// <summary>Opens the storage's connections. Reads and writes work only after this.</summary>
    public async Task ConnectAsync(CancellationToken cancellation = default)
    {
        var connections = await Task.WhenAll(Enumerable.Range(0, _connectionCount).Select(_ => _connect()));
        _databases = [.. connections.Select(c => c.GetDatabase())];
        _connections = connections;
    }

    /// <summary>
    /// Creates a pool for serialized states, with more arrays than the shared pool because a silo has one write in
    /// flight per saving grain. It keeps at most 512 arrays of each size up to <see cref="MaxPooledLength"/>, about 67 MB.
    /// </summary>
    public static ArrayPool<byte> CreatePool() => ArrayPool<byte>.Create(MaxPooledLength, maxArraysPerBucket: 512);

    /// <summary>Returns the key of a grain's state, the same as Orleans' Redis storage uses.</summary>
    public RedisKey KeyOf(string stateName, GrainId grainId)
    {
        var type = grainId.Type.AsSpan();
        var key = grainId.Key.AsSpan();
        var bytes = new byte[_keyPrefix.Length + type.Length + 1 + key.Length + 1 + Encoding.UTF8.GetByteCount(stateName)];
        var span = bytes.AsSpan();
        _keyPrefix.CopyTo(span);
        span = span[_keyPrefix.Length..];
        type.CopyTo(span);
        span[type.Length] = (byte)'/';
        span = span[(type.Length + 1)..];
        key.CopyTo(span);
        span[key.Length] = (byte)'/';
        Encoding.UTF8.GetBytes(stateName, span[(key.Length + 1)..]);
        return bytes;
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState is IGrainState<ProfileState> profile)
        {
            await ReadProfileAsync(stateName, grainId, profile);
            return;
        }

        var entries = await ReadHashAsync(stateName, grainId);

        // A hash with other fields than these two was not written by this storage, and counts as no state.
        string? etag = null;
        ReadOnlyMemory<byte> data = default;
        if (entries.Length == 2)
        {
            foreach (var entry in entries)
            {
                if (entry.Name == EtagField)
                {
                    etag = entry.Value;
                }
                else if (entry.Name == DataField)
                {
                    data = entry.Value;
                }
            }
        }

        Deserialize(stateName, grainId, grainState, etag, data);
    }

    private async Task<HashEntry[]> ReadHashAsync(string stateName, GrainId grainId)
    {
        try
        {
            return await DatabaseOf(grainId).HashGetAllAsync(KeyOf(stateName, grainId));
        }
        catch (Exception exception)
        {
            LogReadFailed(exception, grainId, stateName);
            throw new RedisStorageException($"Failed to read the state {stateName} of grain {grainId}: {exception.Message}", exception);
        }
    }

    // Sets the state read, or a new one when the data is empty. Returns whether a record was read.
    private bool Deserialize<T>(string stateName, GrainId grainId, IGrainState<T> grainState, string? etag, ReadOnlyMemory<byte> data)
    {
        if (data.Length == 0)
        {
            grainState.ETag = etag;
            grainState.State = _activators.GetActivator<T>().Create();
            grainState.RecordExists = false;
            return false;
        }

        T state;
        try
        {
            state = _serializer.Deserialize<T>(new BinaryData(data));
        }
        catch (Exception exception)
        {
            // A state this build cannot read, such as one written by a newer build, fails the activation. The log
            // is the only place that names the cause.
            LogReadFailed(exception, grainId, stateName);
            throw new RedisStorageException(
                $"Failed to read the state {stateName} of grain {grainId}: the stored data is invalid ({exception.Message})", exception);
        }

        grainState.ETag = etag;
        grainState.State = state;
        grainState.RecordExists = true;
        return true;
    }

    // The state goes into a pooled array for the length of the write. A failed write keeps its array, because the
    // connection may still send a command that timed out.
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState is IGrainState<ProfileState> profile)
        {
            await WriteProfileAsync(stateName, grainId, profile);
            return;
        }

        var key = KeyOf(stateName, grainId);
        var etag = Guid.NewGuid().ToString("N");
        var state = _serializer.SerializePooled(grainState.State, _stateBuffers, out var lent);
        await SetAsync(grainId, stateName, [key], [grainState.ETag ?? "", etag, state], WriteScript, WriteScriptHash, nameof(WriteStateAsync));
        if (lent is not null)
        {
            _stateBuffers.Return(lent);
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    /// <summary>
    /// Empties the state's data and gives it a new etag, as Orleans' Redis storage does by default, so that a grain
    /// still holding the earlier etag cannot write over the clear.
    /// </summary>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState is IGrainState<ProfileState> profile)
        {
            await ClearProfileAsync(stateName, grainId, profile);
            return;
        }

        var etag = Guid.NewGuid().ToString("N");
        await SetAsync(
            grainId, stateName, [KeyOf(stateName, grainId)], [grainState.ETag ?? "", etag, NoData], WriteScript, WriteScriptHash,
            nameof(ClearStateAsync));
        grainState.ETag = etag;
        grainState.State = _activators.GetActivator<T>().Create();
        grainState.RecordExists = false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    // values[0] is the etag expected, values[1] the new one; the script returns -1 when the stored etag differs.
    private async Task SetAsync(
        GrainId grainId, string stateName, RedisKey[] keys, RedisValue[] values, string script, byte[] scriptHash, string operation)
    {
        RedisResult result;
        try
        {
            result = await EvaluateAsync(DatabaseOf(grainId), script, scriptHash, keys, values);
        }
        catch (Exception exception)
        {
            LogWriteFailed(exception, grainId, stateName);
            throw new RedisStorageException($"Failed to write the state {stateName} of grain {grainId}: {exception.Message}", exception);
        }

        if ((int)result == -1)
        {
            throw new InconsistentStateException(
                $"{operation} of the state {stateName} of grain {grainId} expected etag '{values[0]}', but Redis has another: "
                + "another activation of the grain wrote or cleared it.");
        }
    }

    // EVALSHA sends only the script's hash. After a restart or SCRIPT FLUSH, Redis no longer has the script cached,
    // so one EVAL with its text loads it again.
    private static async Task<RedisResult> EvaluateAsync(
        IDatabase database, string script, byte[] scriptHash, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await database.ScriptEvaluateAsync(scriptHash, keys, values);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await database.ScriptEvaluateAsync(script, keys, values);
        }
    }

    private IDatabase DatabaseOf(GrainId grainId)
    {
        var databases = _databases;
        if (databases.Length == 0)
        {
            throw new InvalidOperationException("The Redis grain storage is not connected yet: the silo has not started.");
        }

        return databases[(int)(grainId.GetUniformHashCode() % (uint)databases.Length)];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to read the state {StateName} of grain {GrainId} from Redis")]
    private partial void LogReadFailed(Exception exception, GrainId grainId, string stateName);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to write the state {StateName} of grain {GrainId} to Redis")]
    private partial void LogWriteFailed(Exception exception, GrainId grainId, string stateName);
}
