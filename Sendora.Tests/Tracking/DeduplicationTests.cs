using System.Net;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

/// <summary>
/// Clients resend a batch when they miss the response, so a repeated messageId is applied once,
/// gets 200 like the first time, and counted as a duplicate of its source.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class DeduplicationTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task Batch_SentTwice_IsAppliedOnce()
    {
        var user = NewId("dedup");
        var body = BatchOfThree(user);

        var first = await _server.PostAsync("/v1/batch", body);
        var second = await _server.PostAsync("/v1/batch", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, first);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, second);
        var messageIds = (await _server.GetEventsAsync("user_id:" + user)).Select(e => e.GetProperty("messageId").GetString());
        Assert.Equal([user + "-1", user + "-2", user + "-3"], messageIds.Order());
    }

    [Fact]
    public async Task Batch_SentTwice_CountsDuplicates()
    {
        var user = NewId("dedup");
        var source = await _server.CreateSourceAsync("dedup-counts");
        var body = BatchOfThree(user);

        await _server.PostAsync("/v1/batch", body, source.WriteKey);
        await _server.PostAsync("/v1/batch", body, source.WriteKey);

        var counts = await _server.WaitForCountsAsync(source.Id, c => c.GetProperty("duplicates").GetInt64() >= 3);
        Assert.Equal(3, counts.GetProperty("duplicates").GetInt64());
        Assert.Equal(3, counts.GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task Message_RepeatedWithOtherContent_FirstOneWins()
    {
        var user = NewId("dedup");
        var messageId = NewId("payment");

        await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","messageId":"{{{messageId}}}","event":"Paid","properties":{"amount":42}}""");
        await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","messageId":"{{{messageId}}}","event":"Paid","properties":{"amount":43}}""");

        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.Equal(42, stored.GetProperty("properties").GetProperty("amount").GetInt32());
    }

    [Fact]
    public async Task Identify_Repeated_DoesNotReapplyTraits()
    {
        var user = NewId("dedup");
        var messageId = NewId("identify");

        await _server.PostAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","messageId":"{{{messageId}}}","traits":{"plan":"free"}}""");
        await _server.PostAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","traits":{"plan":"pro"}}""");
        await _server.PostAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","messageId":"{{{messageId}}}","traits":{"plan":"free"}}""");

        Assert.Equal("pro", (await _server.GetTraitsAsync("user_id:" + user)).GetProperty("plan").GetString());
    }

    [Fact]
    public async Task Batch_RepeatedMessageIdInside_IsAppliedOnce()
    {
        var user = NewId("dedup");
        var body = $$$"""
            {"batch":[{"type":"track","userId":"{{{user}}}","event":"E","messageId":"{{{user}}}-same"},
                      {"type":"track","userId":"{{{user}}}","event":"E","messageId":"{{{user}}}-same"}]}
            """;

        var response = await _server.PostAsync("/v1/batch", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Single(await _server.GetEventsAsync("user_id:" + user));
    }

    private static string BatchOfThree(string user) => $$$"""
        {"batch":[
          {"type":"identify","userId":"{{{user}}}","messageId":"{{{user}}}-1","traits":{"plan":"pro"}},
          {"type":"track","userId":"{{{user}}}","messageId":"{{{user}}}-2","event":"Signed Up"},
          {"type":"page","userId":"{{{user}}}","messageId":"{{{user}}}-3","name":"Home"}]}
        """;
}
