using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using Sendora.Grains;
using Sendora.Grains.Ingestion;
using Sendora.Grains.Profiles;
using Sendora.Silo.Hosting;
using Sendora.Tests.Infrastructure;
using StackExchange.Redis;

namespace Sendora.Tests.Grains;

/// <summary>
/// A profile on Redis, whose storage keeps each event in a field of its own, writes only its new events after its
/// state was packed while idle and after it was activated again. To show that a write left a field alone, a test first
/// replaces the field in Redis with another valid event: a write that sent the whole list would bring the original back.
/// </summary>
public sealed class ProfileEventFieldsTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly TestCluster _cluster = fixture.Cluster;
    private readonly string _workspaceId = "ws-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Packed_NextWrite_SendsOnlyNewEvents()
    {
        var profile = Profile("u1");
        await profile.ApplyAsync([Track("m1", Start), Track("m2", Start.AddMinutes(1))]);
        await ReplaceFirstEventsAsync(profile);
        await ProfileGrainTests.WaitUntilPackedAsync(profile);

        await profile.ApplyAsync([Track("m3", Start.AddMinutes(2))]);

        await AssertFirstEventsKeptAsync(profile, ["substitute", "m2", "m3"]);
    }

    [Fact]
    public async Task Reactivated_NextWrite_SendsOnlyNewEvents()
    {
        var profile = Profile("u2");
        await profile.ApplyAsync([Track("m1", Start), Track("m2", Start.AddMinutes(1))]);
        await ReplaceFirstEventsAsync(profile);
        await _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        await profile.ApplyAsync([Track("m3", Start.AddMinutes(2))]);

        await AssertFirstEventsKeptAsync(profile, ["substitute", "m2", "m3"]);
    }

    [Fact]
    public async Task EventInsertedBetween_WritesListAgain()
    {
        var profile = Profile("u3");
        await profile.ApplyAsync([Track("m1", Start), Track("m3", Start.AddMinutes(2))]);
        await ReplaceFirstEventsAsync(profile);

        await profile.ApplyAsync([Track("m2", Start.AddMinutes(1))]);

        var stored = await ReadStoredStateAsync(profile);
        Assert.Equal(["m1", "m2", "m3"], stored.RecentEvents.Select(e => e.MessageId));
        Assert.Equal(["m1", "m2", "m3"], stored.Audiences.History.Select(e => e.MessageId));
    }

    private RedisStateStorage Storage => (_cluster.Primary as InProcessSiloHandle)?.SiloHost.Services
        .GetRequiredKeyedService<IGrainStorage>(SendoraNames.GrainStorage) as RedisStateStorage
        ?? throw new InvalidOperationException("The test cluster's primary silo is not in this process or not on Redis.");

    // One connection for the test run, as the shared redis-server is.
    private static readonly Lazy<Task<ConnectionMultiplexer>> Redis =
        new(async () => await ConnectionMultiplexer.ConnectAsync(await RedisServer.GetSharedConnectionStringAsync()));

    private static async Task<IDatabase> DatabaseAsync() => (await Redis.Value).GetDatabase();

    // Replaces the first recent event and the first history event in Redis with an event named "substitute".
    private async Task ReplaceFirstEventsAsync(IProfileGrain profile)
    {
        var database = await DatabaseAsync();
        var key = Storage.KeyOf("profile", profile.GetGrainId());
        var recent = new ArrayBufferWriter<byte>();
        RecentEventListCodec.WriteAlone(recent, new StoredEvent("substitute", Start, "src_fields", """{"type":"track"}"""));
        var history = new ArrayBufferWriter<byte>();
        HistoryEventListCodec.WriteAlone(history, new HistoryEvent("substitute", "track", "Viewed", Start, "{}"u8.ToArray()));
        await database.HashSetAsync(key,
        [
            new(RedisStateStorage.EventField(0), recent.WrittenSpan.ToArray()),
            new(RedisStateStorage.HistoryField(0), history.WrittenSpan.ToArray()),
        ]);
    }

    // A list written again gets fields with new numbers, so the numbers show what a write kept as well.
    private async Task AssertFirstEventsKeptAsync(IProfileGrain profile, string[] expected)
    {
        var stored = await ReadStoredStateAsync(profile);
        Assert.Equal(expected, stored.RecentEvents.Select(e => e.MessageId));
        Assert.Equal(expected, stored.Audiences.History.Select(e => e.MessageId));
        var fields = (await (await DatabaseAsync()).HashKeysAsync(Storage.KeyOf("profile", profile.GetGrainId())))
            .Select(f => (string)f!)
            .ToHashSet();
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Contains(RedisStateStorage.EventField(i), fields);
            Assert.Contains(RedisStateStorage.HistoryField(i), fields);
        }
    }

    private Task<ProfileState> ReadStoredStateAsync(IProfileGrain profile) =>
        ProfileGrainTests.ReadStoredStateAsync(Storage, profile);

    private IProfileGrain Profile(string userId) =>
        _grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, "user_id:" + userId));

    private static TrackedMessage Track(string messageId, DateTimeOffset timestamp) => new()
    {
        Type = MessageTypes.Track,
        MessageId = messageId,
        UserId = "u",
        Name = "Viewed",
        Timestamp = timestamp,
        ReceivedAt = Start.AddDays(30),
        SourceId = "src_fields",
        Json = JsonSerializer.Serialize(new { type = "track", @event = "Viewed", messageId, timestamp }),
    };
}
