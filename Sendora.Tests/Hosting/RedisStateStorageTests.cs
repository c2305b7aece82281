using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Persistence.Redis;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Sendora.Silo.Hosting;
using Sendora.Tests.Infrastructure;
using StackExchange.Redis;

namespace Sendora.Tests.Hosting;

/// <summary>
/// <see cref="RedisStateStorage"/> against a real redis-server: its keys and fields are those of Orleans' Redis storage,
/// its etags reject a second writer, and its pooled arrays go back to the pool only after a write has succeeded.
/// </summary>
public sealed class RedisStateStorageTests
{
    private const string StateName = "profile";

    private static readonly IServiceProvider Services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private static readonly PooledStorageSerializer Serializer = new(Services.GetRequiredService<Serializer>());

    private static readonly GrainId Grain = GrainId.Create("profile", "ws/p_1");

    private static readonly string State = new('x', 5_000);

    [Fact]
    public async Task Write_ThenRead_ReturnsState()
    {
        var storage = await ConnectAsync(await RedisServer.GetSharedConnectionStringAsync(), NewServiceId());
        var written = new GrainState<string>(State);

        await storage.WriteStateAsync(StateName, Grain, written);
        var read = new GrainState<string>();
        await storage.ReadStateAsync(StateName, Grain, read);

        Assert.Equal(State, read.State);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(32, read.ETag!.Length);
    }

    [Fact]
    public async Task Read_NothingStored_CreatesState()
    {
        var storage = await ConnectAsync(await RedisServer.GetSharedConnectionStringAsync(), NewServiceId());
        var read = new GrainState<List<string>> { State = null!, ETag = "stale" };

        await storage.ReadStateAsync(StateName, Grain, read);

        Assert.NotNull(read.State);
        Assert.Empty(read.State);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task Key_MatchesOrleansLayout()
    {
        var connectionString = await RedisServer.GetSharedConnectionStringAsync();
        var serviceId = NewServiceId();
        var storage = await ConnectAsync(connectionString, serviceId);

        await storage.WriteStateAsync(StateName, Grain, new GrainState<string>(State));

        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        var entries = await redis.GetDatabase().HashGetAllAsync($"{serviceId}/state/profile/ws/p_1/profile");
        Assert.Equal(["data", "etag"], entries.Select(e => (string)e.Name!).Order());
    }

    [Fact]
    public async Task InvalidData_Read_Fails()
    {
        var connectionString = await RedisServer.GetSharedConnectionStringAsync();
        var serviceId = NewServiceId();
        var storage = await ConnectAsync(connectionString, serviceId);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(connectionString))
        {
            await redis.GetDatabase().HashSetAsync(
                storage.KeyOf(StateName, Grain), [new("etag", "e1"), new("data", new byte[] { 0xff, 0x01, 0x02 })]);
        }

        var read = new GrainState<string>("unchanged") { ETag = "before" };
        var exception = await Assert.ThrowsAsync<RedisStorageException>(() => storage.ReadStateAsync(StateName, Grain, read));

        Assert.Contains("the stored data is invalid", exception.Message);
        Assert.Equal("unchanged", read.State);
        Assert.Equal("before", read.ETag);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OrleansStorage_ReadsWhatOtherWrote(bool orleansFirst)
    {
        var connectionString = await RedisServer.GetSharedConnectionStringAsync();
        var serviceId = NewServiceId();
        IGrainStorage orleans = await ConnectOrleansAsync(connectionString, serviceId);
        IGrainStorage storage = await ConnectAsync(connectionString, serviceId);
        var (first, second) = orleansFirst ? (orleans, storage) : (storage, orleans);
        var written = new GrainState<string>(State);

        await first.WriteStateAsync(StateName, Grain, written);
        var read = await ReadAsync(second);

        Assert.Equal(State, read.State);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        read.State = "changed";
        await second.WriteStateAsync(StateName, Grain, read);
        var back = await ReadAsync(first);
        Assert.Equal("changed", back.State);
        Assert.Equal(read.ETag, back.ETag);
    }

    [Fact]
    public async Task StaleEtag_Write_Rejected()
    {
        var storage = await ConnectAsync(await RedisServer.GetSharedConnectionStringAsync(), NewServiceId());
        await storage.WriteStateAsync(StateName, Grain, new GrainState<string>("first"));
        var first = await ReadAsync(storage);
        var second = await ReadAsync(storage);

        first.State = "by the first activation";
        await storage.WriteStateAsync(StateName, Grain, first);
        second.State = "by the second activation";
        var exception = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, Grain, second));

        Assert.Contains(second.ETag!, exception.Message);
        Assert.Equal("by the first activation", (await ReadAsync(storage)).State);
    }

    [Fact]
    public async Task NoEtag_RecordExists_Rejected()
    {
        var storage = await ConnectAsync(await RedisServer.GetSharedConnectionStringAsync(), NewServiceId());
        await storage.WriteStateAsync(StateName, Grain, new GrainState<string>("stored"));

        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync(StateName, Grain, new GrainState<string>("new activation")));

        Assert.Equal("stored", (await ReadAsync(storage)).State);
    }

    [Fact]
    public async Task Clear_ThenRead_NoRecordSameEtag()
    {
        var storage = await ConnectAsync(await RedisServer.GetSharedConnectionStringAsync(), NewServiceId());
        var state = new GrainState<List<string>>(["stored"]);
        await storage.WriteStateAsync(StateName, Grain, state);
        var before = state.ETag;

        await storage.ClearStateAsync(StateName, Grain, state);
        var read = new GrainState<List<string>>();
        await storage.ReadStateAsync(StateName, Grain, read);

        Assert.NotEqual(before, state.ETag);
        Assert.False(state.RecordExists);
        Assert.Empty(state.State!);
        Assert.False(read.RecordExists);
        Assert.Empty(read.State!);
        Assert.Equal(state.ETag, read.ETag);
        read.State!.Add("after the clear");
        await storage.WriteStateAsync(StateName, Grain, read);
        var after = new GrainState<List<string>>();
        await storage.ReadStateAsync(StateName, Grain, after);
        Assert.Equal(["after the clear"], after.State);
    }

    [Fact]
    public async Task StaleEtag_Clear_Rejected()
    {
        var storage = await ConnectAsync(await RedisServer.GetSharedConnectionStringAsync(), NewServiceId());
        var stale = new GrainState<List<string>>(["first"]);
        await storage.WriteStateAsync(StateName, Grain, stale);
        var current = new GrainState<List<string>> { ETag = stale.ETag, State = ["second"] };
        await storage.WriteStateAsync(StateName, Grain, current);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(StateName, Grain, stale));

        var read = new GrainState<List<string>>();
        await storage.ReadStateAsync(StateName, Grain, read);
        Assert.Equal(["second"], read.State);
    }

    [Fact]
    public async Task ScriptFlushed_Write_LoadsScript()
    {
        await using var redis = await RedisServer.StartAsync();
        var storage = await ConnectAsync(redis.ConnectionString, NewServiceId());
        var state = new GrainState<string>("before the flush");
        await storage.WriteStateAsync(StateName, Grain, state);

        await using (var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true"))
        {
            await admin.GetServers()[0].ScriptFlushAsync();
        }

        state.State = "after the flush";
        await storage.WriteStateAsync(StateName, Grain, state);
        Assert.Equal("after the flush", (await ReadAsync(storage)).State);
    }

    [Fact]
    public async Task Write_Succeeds_ReturnsLentArray()
    {
        var pool = new RecordingPool();
        var storage = await ConnectAsync(await RedisServer.GetSharedConnectionStringAsync(), NewServiceId(), pool);

        await storage.WriteStateAsync(StateName, Grain, new GrainState<string>(State));

        var lent = Assert.Single(pool.Rented);
        Assert.Same(lent, Assert.Single(pool.Returned));
        Assert.Equal(State, (await ReadAsync(storage)).State);
    }

    [Fact]
    public async Task Write_Fails_KeepsLentArray()
    {
        var pool = new RecordingPool();
        var redis = await RedisServer.StartAsync();
        var storage = await ConnectAsync(redis.ConnectionString, NewServiceId(), pool);
        await redis.DisposeAsync();

        var exception = await Assert.ThrowsAsync<RedisStorageException>(
            () => storage.WriteStateAsync(StateName, Grain, new GrainState<string>(State)));

        Assert.Contains("Failed to write the state profile of grain", exception.Message);
        Assert.Single(pool.Rented);
        Assert.Empty(pool.Returned);
    }

    [Fact]
    public async Task StateOverPoolLimit_RoundTrips()
    {
        var pool = new RecordingPool();
        var storage = await ConnectAsync(await RedisServer.GetSharedConnectionStringAsync(), NewServiceId(), pool);
        var large = new string('y', RedisStateStorage.MaxPooledLength * 2);

        await storage.WriteStateAsync(StateName, Grain, new GrainState<string>(large));

        Assert.Empty(pool.Rented);
        Assert.Equal(large, (await ReadAsync(storage)).State);
    }

    [Fact]
    public async Task ManyConnections_EachGrainRoundTrips()
    {
        var storage = await ConnectAsync(await RedisServer.GetSharedConnectionStringAsync(), NewServiceId(), connections: 4);
        var grains = Enumerable.Range(0, 40).Select(i => GrainId.Create("profile", $"ws/p_{i}")).ToList();

        await Task.WhenAll(grains.Select(g => storage.WriteStateAsync(StateName, g, new GrainState<string>(g.ToString()))));

        foreach (var grain in grains)
        {
            var read = new GrainState<string>();
            await storage.ReadStateAsync(StateName, grain, read);
            Assert.Equal(grain.ToString(), read.State);
        }
    }

    [Fact]
    public void SerializePooled_UnderLimit_RentsArray()
    {
        var pool = new RecordingPool();

        var written = Serializer.SerializePooled(State, pool, out var lent);

        Assert.Same(Assert.Single(pool.Rented), lent);
        Assert.Same(lent, ArrayOf(written));
        Assert.Equal(State, Serializer.Deserialize<string>(new BinaryData(written)));
    }

    [Fact]
    public void Serialize_ReturnsExactArray()
    {
        var written = Serializer.Serialize(State).ToMemory();

        Assert.Equal(written.Length, ArrayOf(written).Length);
        Assert.Equal(State, Serializer.Deserialize<string>(new BinaryData(written)));
    }

    private static string NewServiceId() => "test-" + Guid.NewGuid().ToString("N");

    private static async Task<RedisStateStorage> ConnectAsync(
        string connectionString, string serviceId, ArrayPool<byte>? pool = null, int connections = 1)
    {
        var storage = new RedisStateStorage(
            async () => await ConnectionMultiplexer.ConnectAsync(connectionString),
            connections,
            serviceId,
            Serializer,
            Services.GetRequiredService<IActivatorProvider>(),
            NullLogger<RedisStateStorage>.Instance,
            pool);
        await storage.ConnectAsync();
        return storage;
    }

    /// <summary>Starts Orleans' own Redis storage on the same server and service id.</summary>
    private static async Task<IGrainStorage> ConnectOrleansAsync(string connectionString, string serviceId)
    {
        var storage = new RedisGrainStorage(
            "orleans",
            new RedisStorageOptions { ConfigurationOptions = ConfigurationOptions.Parse(connectionString) },
            new OrleansGrainStorageSerializer(Services.GetRequiredService<Serializer>()),
            Options.Create(new ClusterOptions { ServiceId = serviceId, ClusterId = "test" }),
            Services.GetRequiredService<IActivatorProvider>(),
            NullLogger<RedisGrainStorage>.Instance);
        var lifecycle = new StartingLifecycle();
        storage.Participate(lifecycle);
        await lifecycle.StartAsync();
        return storage;
    }

    private static async Task<GrainState<string>> ReadAsync(IGrainStorage storage)
    {
        var state = new GrainState<string>();
        await storage.ReadStateAsync(StateName, Grain, state);
        return state;
    }

    private static byte[] ArrayOf(ReadOnlyMemory<byte> memory)
    {
        Assert.True(MemoryMarshal.TryGetArray(memory, out var segment));
        Assert.Equal(0, segment.Offset);
        return segment.Array!;
    }

    /// <summary>Rents arrays longer than requested, as pools do, and records what was rented and returned.</summary>
    private sealed class RecordingPool : ArrayPool<byte>
    {
        public List<byte[]> Rented { get; } = [];

        public List<byte[]> Returned { get; } = [];

        public override byte[] Rent(int minimumLength)
        {
            var array = new byte[minimumLength + 100];
            lock (Rented)
            {
                Rented.Add(array);
            }

            return array;
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            lock (Returned)
            {
                Returned.Add(array);
            }
        }
    }

    /// <summary>A silo lifecycle that only runs the start of what subscribed to it.</summary>
    private sealed class StartingLifecycle : ISiloLifecycle
    {
        private readonly List<ILifecycleObserver> _observers = [];

        public int HighestCompletedStage => 0;

        public int LowestStoppedStage => 0;

        public IDisposable Subscribe(string observerName, int stage, ILifecycleObserver observer)
        {
            _observers.Add(observer);
            return new NoUnsubscribe();
        }

        public async Task StartAsync()
        {
            foreach (var observer in _observers)
            {
                await observer.OnStart(CancellationToken.None);
            }
        }

        private sealed class NoUnsubscribe : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
