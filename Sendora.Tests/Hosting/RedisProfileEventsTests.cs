using System.Buffers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Persistence.Redis;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Sendora.Grains.Profiles;
using Sendora.Silo.Hosting;
using Sendora.Tests.Infrastructure;
using StackExchange.Redis;

namespace Sendora.Tests.Hosting;

/// <summary>
/// <see cref="RedisStateStorage"/> keeps a profile's recent events in a Redis list beside the rest of its state, against
/// a real redis-server: a write appends the events added since and takes those dropped from the head, anything else
/// rewrites the list, and the etag guards both keys.
/// </summary>
/// <remarks>
/// To show that a write left an entry alone, a test replaces that entry in Redis with another valid event first: a
/// write that rewrote the list would bring the original back.
/// </remarks>
public sealed class RedisProfileEventsTests : IAsyncLifetime
{
    private const string StateName = "profile";

    private static readonly IServiceProvider Services = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(ProfileState).Assembly))
        .BuildServiceProvider();

    private static readonly PooledStorageSerializer Serializer = new(Services.GetRequiredService<Serializer>());

    private static readonly GrainId Grain = GrainId.Create("profile", "ws/user_id:ada");

    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private RedisStateStorage _storage = null!;
    private ConnectionMultiplexer _redis = null!;
    private RedisKey _key;
    private RedisKey _eventsKey;

    public async Task InitializeAsync()
    {
        var connectionString = await RedisServer.GetSharedConnectionStringAsync();
        _storage = new RedisStateStorage(
            async () => await ConnectionMultiplexer.ConnectAsync(connectionString),
            1,
            "test-" + Guid.NewGuid().ToString("N"),
            Serializer,
            Services.GetRequiredService<IActivatorProvider>(),
            NullLogger<RedisStateStorage>.Instance);
        await _storage.ConnectAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        _key = _storage.KeyOf(StateName, Grain);
        _eventsKey = RedisStateStorage.EventsKeyOf(_key);
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Write_ThenRead_EventsInList()
    {
        var written = Profile(3);
        written.State!.Traits["plan"] = "\"pro\"";

        await _storage.WriteStateAsync(StateName, Grain, written);
        var read = await ReadAsync();

        Assert.Equal(3, await Database.ListLengthAsync(_eventsKey));
        Assert.Equal(["data", "etag", "events"], (await Database.HashKeysAsync(_key)).Select(k => (string)k!).Order());
        Assert.Equal("1", (string?)await Database.HashGetAsync(_key, "events"));
        AssertSameEvents(written.State!.RecentEvents, read.State!.RecentEvents);
        Assert.Equal("\"pro\"", read.State!.Traits["plan"]);
        Assert.Equal(written.ETag, read.ETag);
        Assert.True(read.RecordExists);
    }

    [Fact]
    public async Task StateData_LeavesEventsOut()
    {
        var small = Profile(1);
        var large = Profile(30);
        await _storage.WriteStateAsync(StateName, Grain, small);
        var smallLength = (await Database.HashGetAsync(_key, "data")).Length();
        large.ETag = small.ETag;
        await _storage.WriteStateAsync(StateName, Grain, large);
        var largeLength = (await Database.HashGetAsync(_key, "data")).Length();

        Assert.InRange(largeLength - smallLength, 0, 64);
        Assert.Equal(30, await Database.ListLengthAsync(_eventsKey));
    }

    [Fact]
    public async Task AddedEvent_Appended_OthersLeft()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);
        var substitute = Event(100);
        await Database.ListSetByIndexAsync(_eventsKey, 0, Encode(substitute));

        state.State!.RecentEvents.Add(Event(3));
        await _storage.WriteStateAsync(StateName, Grain, state);

        var read = await ReadAsync();
        Assert.Equal(
            [substitute.MessageId, .. state.State!.RecentEvents.Skip(1).Select(e => e.MessageId)],
            read.State!.RecentEvents.Select(e => e.MessageId));
    }

    [Fact]
    public async Task OldestRemoved_TakenFromHead_OthersLeft()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);
        var substitute = Event(100);
        await Database.ListSetByIndexAsync(_eventsKey, 1, Encode(substitute));

        state.State!.RecentEvents.RemoveAt(0);
        state.State!.RecentEvents.Add(Event(3));
        state.State!.RecentEvents.Add(Event(4));
        await _storage.WriteStateAsync(StateName, Grain, state);

        var read = await ReadAsync();
        Assert.Equal(
            ["m-100", "m-2", "m-3", "m-4"],
            read.State!.RecentEvents.Select(e => e.MessageId));
    }

    [Fact]
    public async Task InsertedEvent_RewritesList()
    {
        var state = Profile(0);
        state.State!.RecentEvents.AddRange([Event(0), Event(2)]);
        await _storage.WriteStateAsync(StateName, Grain, state);
        await Database.ListSetByIndexAsync(_eventsKey, 0, Encode(Event(100)));

        state.State!.RecentEvents.Insert(1, Event(1));
        await _storage.WriteStateAsync(StateName, Grain, state);

        var read = await ReadAsync();
        AssertSameEvents(state.State!.RecentEvents, read.State!.RecentEvents);
    }

    [Fact]
    public async Task ReplacedList_Rewritten()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);

        state.State!.RecentEvents = [Event(7), Event(8)];
        await _storage.WriteStateAsync(StateName, Grain, state);

        AssertSameEvents(state.State!.RecentEvents, (await ReadAsync()).State!.RecentEvents);
    }

    [Fact]
    public async Task AllEventsRemoved_ListDeleted()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);

        state.State!.RecentEvents.Clear();
        await _storage.WriteStateAsync(StateName, Grain, state);

        Assert.False(await Database.KeyExistsAsync(_eventsKey));
        var read = await ReadAsync();
        Assert.True(read.RecordExists);
        Assert.Empty(read.State!.RecentEvents);
    }

    [Fact]
    public async Task NewActivation_ReadThenAdd_Appends()
    {
        await _storage.WriteStateAsync(StateName, Grain, Profile(3));
        var activation = await ReadAsync();
        var substitute = Event(100);
        await Database.ListSetByIndexAsync(_eventsKey, 2, Encode(substitute));

        activation.State!.RecentEvents.Add(Event(3));
        await _storage.WriteStateAsync(StateName, Grain, activation);

        Assert.Equal(
            ["m-0", "m-1", "m-100", "m-3"],
            (await ReadAsync()).State!.RecentEvents.Select(e => e.MessageId));
    }

    [Fact]
    public async Task StaleEtag_ChangesNeitherKey()
    {
        await _storage.WriteStateAsync(StateName, Grain, Profile(2));
        var first = await ReadAsync();
        var second = await ReadAsync();
        first.State!.RecentEvents.Add(Event(2));
        await _storage.WriteStateAsync(StateName, Grain, first);

        second.State!.RecentEvents.RemoveAt(0);
        second.State!.RecentEvents.Add(Event(50));
        second.State!.Traits["plan"] = "\"free\"";
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, Grain, second));

        var read = await ReadAsync();
        Assert.Equal(["m-0", "m-1", "m-2"], read.State!.RecentEvents.Select(e => e.MessageId));
        Assert.False(read.State!.Traits.ContainsKey("plan"));
        Assert.Equal(first.ETag, read.ETag);
        Assert.Null(second.State!.RecentEvents.StoredApart);
    }

    [Fact]
    public async Task Clear_RemovesListAndField()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);

        await _storage.ClearStateAsync(StateName, Grain, state);

        Assert.False(await Database.KeyExistsAsync(_eventsKey));
        Assert.Equal(["data", "etag"], (await Database.HashKeysAsync(_key)).Select(k => (string)k!).Order());
        var read = await ReadAsync();
        Assert.False(read.RecordExists);
        Assert.Empty(read.State!.RecentEvents);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task EventsInData_Read_ThenMovedToList()
    {
        var legacy = Profile(3).State!;
        await Database.HashSetAsync(_key, [new("etag", "e1"), new("data", Serializer.Serialize(legacy).ToArray())]);

        var read = await ReadAsync();
        AssertSameEvents(legacy.RecentEvents, read.State!.RecentEvents);
        Assert.Null(read.State!.RecentEvents.StoredApart);

        read.State!.RecentEvents.Add(Event(3));
        await _storage.WriteStateAsync(StateName, Grain, read);

        Assert.Equal(4, await Database.ListLengthAsync(_eventsKey));
        Assert.Equal(
            ["m-0", "m-1", "m-2", "m-3"],
            (await ReadAsync()).State!.RecentEvents.Select(e => e.MessageId));
    }

    [Fact]
    public async Task UnknownEventsFormat_ReadFails()
    {
        await _storage.WriteStateAsync(StateName, Grain, Profile(1));
        await Database.HashSetAsync(_key, "events", "9");

        var exception = await Assert.ThrowsAsync<RedisStorageException>(ReadAsync);

        Assert.Contains("format 9", exception.Message);
        Assert.Contains("format 1", exception.Message);
    }

    [Fact]
    public async Task InvalidEntry_ReadFails()
    {
        await _storage.WriteStateAsync(StateName, Grain, Profile(2));
        await Database.ListSetByIndexAsync(_eventsKey, 1, new byte[] { 0xff, 0xff });

        var exception = await Assert.ThrowsAsync<RedisStorageException>(ReadAsync);

        Assert.Contains("a stored event is invalid", exception.Message);
    }

    [Fact]
    public async Task ManyEvents_RoundTrip()
    {
        var state = Profile(250);

        await _storage.WriteStateAsync(StateName, Grain, state);

        AssertSameEvents(state.State!.RecentEvents, (await ReadAsync()).State!.RecentEvents);
    }

    private IDatabase Database => _redis.GetDatabase();

    private async Task<GrainState<ProfileState>> ReadAsync()
    {
        var state = new GrainState<ProfileState>();
        await _storage.ReadStateAsync(StateName, Grain, state);
        return state;
    }

    private static GrainState<ProfileState> Profile(int events)
    {
        var state = new ProfileState { CreatedAt = Start };
        for (var i = 0; i < events; i++)
        {
            state.RecentEvents.Add(Event(i));
        }

        return new GrainState<ProfileState>(state);
    }

    private static StoredEvent Event(int i) => new(
        $"m-{i}",
        Start.AddMinutes(i),
        "source-1",
        $$$"""{"type":"track","event":"Product Viewed","userId":"ada","messageId":"m-{{{i}}}","properties":{"sku":"sku-{{{i}}}"}}""")
    {
        ExternalIds = ["user_id:ada", $"anonymous_id:a-{i % 2}"],
    };

    private static byte[] Encode(StoredEvent item)
    {
        var buffer = new ArrayBufferWriter<byte>();
        RecentEventListCodec.WriteAlone(buffer, item);
        return buffer.WrittenSpan.ToArray();
    }

    private static void AssertSameEvents(IReadOnlyList<StoredEvent> expected, IReadOnlyList<StoredEvent> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].MessageId, actual[i].MessageId);
            Assert.Equal(expected[i].Timestamp, actual[i].Timestamp);
            Assert.Equal(expected[i].SourceId, actual[i].SourceId);
            Assert.Equal(expected[i].ExternalIds, actual[i].ExternalIds);
            Assert.Equal(expected[i].Json, actual[i].Json);
        }
    }
}
