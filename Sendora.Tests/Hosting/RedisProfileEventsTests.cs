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
/// <see cref="RedisStateStorage"/> keeps each of a profile's recent events and history events in a field of its own in
/// the state's hash, against a real redis-server: a write sends the events added since and deletes those dropped from the
/// head, any other change writes the list again, and the etag guards every field.
/// </summary>
/// <remarks>
/// To show that a write left a field alone, a test replaces that field in Redis with another valid event first: a
/// write that wrote the list again would bring the original back.
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
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Write_ThenRead_EventsInFields()
    {
        var written = Profile(3);
        written.State!.Traits["plan"] = "\"pro\"";

        await _storage.WriteStateAsync(StateName, Grain, written);
        var read = await ReadAsync();

        Assert.Equal(3, await CountFieldsAsync("e:"));
        Assert.Equal(3, await CountFieldsAsync("h:"));
        Assert.Equal(
            ["data", "e:0", "e:1", "e:2", "etag", "events", "h:0", "h:1", "h:2"],
            (await Database.HashKeysAsync(_key)).Select(k => (string)k!).Order(StringComparer.Ordinal));
        Assert.Equal("1", (string?)await Database.HashGetAsync(_key, "events"));
        AssertSameEvents(written.State!.RecentEvents, read.State!.RecentEvents);
        AssertSameHistory(written.State!.Audiences.History, read.State!.Audiences.History);
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
        Assert.Equal(30, await CountFieldsAsync("e:"));
        Assert.Equal(30, await CountFieldsAsync("h:"));
    }

    [Fact]
    public async Task AddedEvent_Appended_OthersLeft()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);
        var substitute = Event(100);
        await Database.HashSetAsync(_key, RedisStateStorage.EventField(0), Encode(substitute));

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
        await Database.HashSetAsync(_key, RedisStateStorage.EventField(1), Encode(substitute));

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
    public async Task InsertedEvent_ListWrittenAgain()
    {
        var state = Profile(0);
        state.State!.RecentEvents.AddRange([Event(0), Event(2)]);
        await _storage.WriteStateAsync(StateName, Grain, state);
        await Database.HashSetAsync(_key, RedisStateStorage.EventField(0), Encode(Event(100)));

        state.State!.RecentEvents.Insert(1, Event(1));
        await _storage.WriteStateAsync(StateName, Grain, state);

        var read = await ReadAsync();
        AssertSameEvents(state.State!.RecentEvents, read.State!.RecentEvents);
    }

    [Fact]
    public async Task ReplacedList_WrittenAgain()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);

        state.State!.RecentEvents = [Event(7), Event(8)];
        await _storage.WriteStateAsync(StateName, Grain, state);

        AssertSameEvents(state.State!.RecentEvents, (await ReadAsync()).State!.RecentEvents);
    }

    [Fact]
    public async Task AllEventsRemoved_FieldsDeleted()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);

        state.State!.RecentEvents.Clear();
        await _storage.WriteStateAsync(StateName, Grain, state);

        Assert.Equal(0, await CountFieldsAsync("e:"));
        Assert.Equal(3, await CountFieldsAsync("h:"));
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
        await Database.HashSetAsync(_key, RedisStateStorage.EventField(2), Encode(substitute));

        activation.State!.RecentEvents.Add(Event(3));
        await _storage.WriteStateAsync(StateName, Grain, activation);

        Assert.Equal(
            ["m-0", "m-1", "m-100", "m-3"],
            (await ReadAsync()).State!.RecentEvents.Select(e => e.MessageId));
    }

    [Fact]
    public async Task StaleEtag_ChangesNoField()
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
    public async Task Clear_RemovesEventFields()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);

        await _storage.ClearStateAsync(StateName, Grain, state);

        Assert.Equal(["data", "etag"], (await Database.HashKeysAsync(_key)).Select(k => (string)k!).Order());
        var read = await ReadAsync();
        Assert.False(read.RecordExists);
        Assert.Empty(read.State!.RecentEvents);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task EventsInData_Read_ThenMovedToFields()
    {
        var legacy = Profile(3).State!;
        await Database.HashSetAsync(_key, [new("etag", "e1"), new("data", Serializer.Serialize(legacy).ToArray())]);

        var read = await ReadAsync();
        AssertSameEvents(legacy.RecentEvents, read.State!.RecentEvents);
        AssertSameHistory(legacy.Audiences.History, read.State!.Audiences.History);
        Assert.Null(read.State!.RecentEvents.StoredApart);
        Assert.Null(read.State!.Audiences.History.StoredApart);

        read.State!.RecentEvents.Add(Event(3));
        await _storage.WriteStateAsync(StateName, Grain, read);

        Assert.Equal(4, await CountFieldsAsync("e:"));
        Assert.Equal(3, await CountFieldsAsync("h:"));
        var moved = await ReadAsync();
        Assert.Equal(["m-0", "m-1", "m-2", "m-3"], moved.State!.RecentEvents.Select(e => e.MessageId));
        AssertSameHistory(legacy.Audiences.History, moved.State!.Audiences.History);
    }

    [Fact]
    public async Task NumbersWithGap_WrittenAgain()
    {
        await _storage.WriteStateAsync(StateName, Grain, Profile(3));
        await Database.HashDeleteAsync(_key, RedisStateStorage.EventField(1));

        var read = await ReadAsync();
        Assert.Equal(["m-0", "m-2"], read.State!.RecentEvents.Select(e => e.MessageId));
        Assert.Null(read.State!.RecentEvents.StoredApart);

        read.State!.RecentEvents.Add(Event(3));
        await _storage.WriteStateAsync(StateName, Grain, read);

        Assert.Equal(["m-0", "m-2", "m-3"], (await ReadAsync()).State!.RecentEvents.Select(e => e.MessageId));
        Assert.Equal(3, await CountFieldsAsync("e:"));
        Assert.Equal(3, await CountFieldsAsync("h:"));
    }

    [Fact]
    public async Task EventFieldsWithoutFormat_NoState()
    {
        await Database.HashSetAsync(_key, [new("etag", "e1"), new("data", Serializer.Serialize(Profile(1).State!).ToArray())]);
        await Database.HashSetAsync(_key, RedisStateStorage.EventField(0), Encode(Event(0)));

        var read = await ReadAsync();

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task ManyDropped_DeletedInGroups()
    {
        var state = Profile(250);
        await _storage.WriteStateAsync(StateName, Grain, state);

        state.State!.RecentEvents.RemoveRange(0, 240);
        state.State!.Audiences.History.RemoveRange(0, 230);
        await _storage.WriteStateAsync(StateName, Grain, state);

        Assert.Equal(10, await CountFieldsAsync("e:"));
        Assert.Equal(20, await CountFieldsAsync("h:"));
        var read = await ReadAsync();
        AssertSameEvents(state.State!.RecentEvents, read.State!.RecentEvents);
        AssertSameHistory(state.State!.Audiences.History, read.State!.Audiences.History);
    }

    [Fact]
    public async Task History_AppendedAndTakenFromHead_OthersLeft()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);
        await Database.HashSetAsync(_key, RedisStateStorage.HistoryField(1), EncodeHistory(History(100)));

        state.State!.Audiences.History.RemoveAt(0);
        state.State!.Audiences.History.Add(History(3));
        await _storage.WriteStateAsync(StateName, Grain, state);

        Assert.Equal(
            ["m-100", "m-2", "m-3"],
            (await ReadAsync()).State!.Audiences.History.Select(e => e.MessageId));
    }

    [Fact]
    public async Task HistoryEventInserted_HistoryWrittenAgain()
    {
        var state = Profile(3);
        await _storage.WriteStateAsync(StateName, Grain, state);
        await Database.HashSetAsync(_key, RedisStateStorage.EventField(0), Encode(Event(100)));

        state.State!.Audiences.History.Insert(1, History(50));
        state.State!.RecentEvents.Add(Event(3));
        await _storage.WriteStateAsync(StateName, Grain, state);

        var read = await ReadAsync();
        AssertSameHistory(state.State!.Audiences.History, read.State!.Audiences.History);
        Assert.Equal(["m-100", "m-1", "m-2", "m-3"], read.State!.RecentEvents.Select(e => e.MessageId));
    }

    [Fact]
    public async Task Read_SharesRepeatedValuesBetweenEvents()
    {
        var state = Profile(0);
        List<string> ids = ["user_id:ada"];
        state.State!.RecentEvents.AddRange([Event(0), .. Enumerable.Range(1, 3).Select(i => Event(i) with { ExternalIds = ids })]);
        state.State!.Audiences.History.AddRange(Enumerable.Range(0, 4).Select(History));
        await _storage.WriteStateAsync(StateName, Grain, state);

        var read = (await ReadAsync()).State!;

        Assert.Same(read.RecentEvents[0].SourceId, read.RecentEvents[3].SourceId);
        Assert.NotSame(read.RecentEvents[0].ExternalIds, read.RecentEvents[1].ExternalIds);
        Assert.Same(read.RecentEvents[1].ExternalIds, read.RecentEvents[3].ExternalIds);
        Assert.Equal(ids, read.RecentEvents[3].ExternalIds);
        Assert.Same(read.Audiences.History[0].Name, read.Audiences.History[3].Name);
        Assert.Same(read.Audiences.History[0].Type, read.Audiences.History[3].Type);
    }

    [Fact]
    public async Task UnknownEventsFormat_ReadFails()
    {
        await _storage.WriteStateAsync(StateName, Grain, Profile(1));
        await Database.HashSetAsync(_key, "events", "9");

        var exception = await Assert.ThrowsAsync<RedisStorageException>(ReadAsync);

        Assert.Contains("format 9", exception.Message);
        Assert.Contains("it reads format 1", exception.Message);
    }

    [Fact]
    public async Task InvalidEntry_ReadFails()
    {
        await _storage.WriteStateAsync(StateName, Grain, Profile(2));
        await Database.HashSetAsync(_key, RedisStateStorage.EventField(1), new byte[] { 0xff, 0xff });

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

    private async Task<int> CountFieldsAsync(string prefix) =>
        (await Database.HashKeysAsync(_key)).Count(k => ((string)k!).StartsWith(prefix, StringComparison.Ordinal));

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
            state.Audiences.History.Add(History(i));
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

    private static HistoryEvent History(int i) =>
        new($"m-{i}", "track", "Product Viewed", Start.AddMinutes(i), System.Text.Encoding.UTF8.GetBytes($$$"""{"sku":"sku-{{{i}}}"}"""));

    private static byte[] EncodeHistory(HistoryEvent item)
    {
        var buffer = new ArrayBufferWriter<byte>();
        HistoryEventListCodec.WriteAlone(buffer, item);
        return buffer.WrittenSpan.ToArray();
    }

    private static void AssertSameHistory(IReadOnlyList<HistoryEvent> expected, IReadOnlyList<HistoryEvent> actual)
    {
        Assert.Equal(expected.Select(e => (e.MessageId, e.Type, e.Name, e.Timestamp, e.PropertiesJson)),
            actual.Select(e => (e.MessageId, e.Type, e.Name, e.Timestamp, e.PropertiesJson)));
    }

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
