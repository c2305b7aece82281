using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

/// <summary>
/// The four timestamps of a message against a gateway clock the tests set:
/// <c>timestamp = receivedAt - (sentAt - originalTimestamp)</c>, with the fallbacks and warnings around it.
/// </summary>
public sealed partial class TimestampTests(ClockedServerFixture fixture) : IClassFixture<ClockedServerFixture>
{
    private readonly SendoraServer _server = fixture.Server;
    private readonly SettableClock _clock = fixture.Clock;

    [Fact]
    public async Task Timestamp_WithSentAt_IsSkewCorrected()
    {
        // Segment's own example: 17 ms between the call and the send on the client's clock.
        var day = _clock.AdvanceToNextDay("19:11:01.266");

        var stored = await TrackAsync($$$"""
            "timestamp":"{{{day}}}T19:11:01.152Z","sentAt":"{{{day}}}T19:11:01.169Z"
            """);

        Assert.Equal($"{day}T19:11:01.249Z", stored.GetProperty("timestamp").GetString());
        Assert.Equal($"{day}T19:11:01.152Z", stored.GetProperty("originalTimestamp").GetString());
        Assert.Equal($"{day}T19:11:01.169Z", stored.GetProperty("sentAt").GetString());
        Assert.Equal($"{day}T19:11:01.266Z", stored.GetProperty("receivedAt").GetString());
    }

    [Fact]
    public async Task Timestamp_Supplied_BecomesOriginalTimestamp()
    {
        var day = _clock.AdvanceToNextDay("10:15:00.123");

        var stored = await TrackAsync($$$"""
            "timestamp":"{{{day}}}T09:00:00.000Z"
            """);

        Assert.Equal($"{day}T09:00:00.000Z", stored.GetProperty("originalTimestamp").GetString());
        Assert.Equal($"{day}T09:00:00.000Z", stored.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task OriginalTimestamp_Supplied_WinsOverTimestamp()
    {
        var day = _clock.AdvanceToNextDay("10:15:00.000");

        var stored = await TrackAsync($$$"""
            "originalTimestamp":"{{{day}}}T10:00:00.000Z","timestamp":"{{{day}}}T08:00:00.000Z",
            "sentAt":"{{{day}}}T10:00:02.000Z"
            """);

        Assert.Equal($"{day}T10:00:00.000Z", stored.GetProperty("originalTimestamp").GetString());
        Assert.Equal($"{day}T10:14:58.000Z", stored.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task ReceivedAt_IsGatewayClock()
    {
        var day = _clock.AdvanceToNextDay("08:30:45.678");

        var stored = await TrackAsync("\"receivedAt\":\"2001-01-01T00:00:00.000Z\"");

        Assert.Equal($"{day}T08:30:45.678Z", stored.GetProperty("receivedAt").GetString());
    }

    [Fact]
    public async Task Timestamp_Missing_IsReceivedAt()
    {
        var day = _clock.AdvanceToNextDay("10:15:00.123");

        var stored = await TrackAsync($$$"""
            "sentAt":"{{{day}}}T10:14:00.000Z"
            """);

        Assert.Equal($"{day}T10:15:00.123Z", stored.GetProperty("timestamp").GetString());
        Assert.Equal($"{day}T10:15:00.123Z", stored.GetProperty("originalTimestamp").GetString());
    }

    [Fact]
    public async Task Timestamp_WithoutSentAt_IsKept()
    {
        _clock.AdvanceToNextDay("10:15:00.000");

        var stored = await TrackAsync("\"timestamp\":\"2024-01-01T00:00:00.500Z\"");

        Assert.Equal("2024-01-01T00:00:00.500Z", stored.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task BatchSentAt_AppliesToItemsWithoutOwn()
    {
        var day = _clock.AdvanceToNextDay("10:15:00.000");
        var withoutOwn = NewId("batch-sent-at");
        var withOwn = NewId("batch-sent-at");
        var body = $$$"""
            {"sentAt":"{{{day}}}T10:00:10.000Z","batch":[
              {"type":"track","userId":"{{{withoutOwn}}}","event":"E","timestamp":"{{{day}}}T10:00:00.000Z"},
              {"type":"track","userId":"{{{withOwn}}}","event":"E","timestamp":"{{{day}}}T10:00:00.000Z",
               "sentAt":"{{{day}}}T10:00:30.000Z"}]}
            """;

        await JsonAssert.StatusAsync(HttpStatusCode.OK, await _server.PostAsync("/v1/batch", body));

        var first = await _server.GetSingleEventAsync("user_id:" + withoutOwn);
        var second = await _server.GetSingleEventAsync("user_id:" + withOwn);
        Assert.Equal($"{day}T10:14:50.000Z", first.GetProperty("timestamp").GetString());
        Assert.Equal($"{day}T10:00:10.000Z", first.GetProperty("sentAt").GetString());
        Assert.Equal($"{day}T10:14:30.000Z", second.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task BatchContext_AppliesToItemsWithoutOwn()
    {
        var withoutOwn = NewId("batch-context");
        var withOwn = NewId("batch-context");
        var body = $$$"""
            {"context":{"library":{"name":"batch-library"}},"batch":[
              {"type":"track","userId":"{{{withoutOwn}}}","event":"E"},
              {"type":"track","userId":"{{{withOwn}}}","event":"E","context":{"library":{"name":"item-library"} } }]}
            """;

        await JsonAssert.StatusAsync(HttpStatusCode.OK, await _server.PostAsync("/v1/batch", body));

        var first = await _server.GetSingleEventAsync("user_id:" + withoutOwn);
        var second = await _server.GetSingleEventAsync("user_id:" + withOwn);
        Assert.Equal("batch-library", first.GetProperty("context").GetProperty("library").GetProperty("name").GetString());
        Assert.Equal("item-library", second.GetProperty("context").GetProperty("library").GetProperty("name").GetString());
    }

    [Fact]
    public async Task BatchIntegrations_AppliesToItemsWithoutOwn()
    {
        var withoutOwn = NewId("batch-integrations");
        var withOwn = NewId("batch-integrations");
        var body = $$$"""
            {"integrations":{"All":false,"Mixpanel":true},"batch":[
              {"type":"track","userId":"{{{withoutOwn}}}","event":"E"},
              {"type":"track","userId":"{{{withOwn}}}","event":"E","integrations":{"All":true}}]}
            """;

        await JsonAssert.StatusAsync(HttpStatusCode.OK, await _server.PostAsync("/v1/batch", body));

        var first = (await _server.GetSingleEventAsync("user_id:" + withoutOwn)).GetProperty("integrations");
        var second = (await _server.GetSingleEventAsync("user_id:" + withOwn)).GetProperty("integrations");
        Assert.False(first.GetProperty("All").GetBoolean());
        Assert.True(first.GetProperty("Mixpanel").GetBoolean());
        Assert.True(second.GetProperty("All").GetBoolean());
        Assert.False(second.TryGetProperty("Mixpanel", out _));
    }

    [Fact]
    public async Task Timestamp_WithoutZone_IsUtcWithWarning()
    {
        var day = _clock.AdvanceToNextDay("10:15:00.000");

        var stored = await TrackAsync($$$"""
            "timestamp":"{{{day}}}T10:00:00"
            """);

        Assert.Equal($"{day}T10:00:00.000Z", stored.GetProperty("timestamp").GetString());
        var warning = Assert.Single(stored.Warnings());
        Assert.Equal("timestamp_without_zone", warning.GetProperty("code").GetString());
        Assert.Equal("timestamp", warning.GetProperty("field").GetString());
        Assert.Equal($"{day}T10:00:00", warning.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Timestamp_Unparseable_UsesServerTime()
    {
        var day = _clock.AdvanceToNextDay("10:15:00.123");

        var stored = await TrackAsync("\"timestamp\":\"last tuesday\"");

        Assert.Equal($"{day}T10:15:00.123Z", stored.GetProperty("timestamp").GetString());
        Assert.Equal($"{day}T10:15:00.123Z", stored.GetProperty("originalTimestamp").GetString());
        var warning = Assert.Single(stored.Warnings());
        Assert.Equal("timestamp_unparseable", warning.GetProperty("code").GetString());
        Assert.Equal("last tuesday", warning.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Timestamp_InFuture_IsClampedToReceivedAt()
    {
        // The client's sentAt is 45 s before its call time, so the correction lands 45 s in the future.
        var day = _clock.AdvanceToNextDay("02:23:45.000");
        var yearBefore = DateOnly.ParseExact(day, "yyyy-MM-dd").AddDays(-366).ToString("yyyy-MM-dd");

        var stored = await TrackAsync($$$"""
            "originalTimestamp":"{{{yearBefore}}}T01:23:45.000Z","sentAt":"{{{yearBefore}}}T01:23:00.000Z"
            """);

        Assert.Equal($"{day}T02:23:45.000Z", stored.GetProperty("timestamp").GetString());
        Assert.Equal($"{yearBefore}T01:23:45.000Z", stored.GetProperty("originalTimestamp").GetString());
        var warning = Assert.Single(stored.Warnings());
        Assert.Equal("timestamp_in_future", warning.GetProperty("code").GetString());
        Assert.Equal($"{day}T02:24:30.000Z", warning.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Timestamp_CorrectedBeforeYearOne_IsHeldAtYearOne()
    {
        // A sentAt almost 10,000 years after the call takes the correction below DateTimeOffset's range.
        _clock.AdvanceToNextDay("10:15:00.000");

        var stored = await TrackAsync("""
            "timestamp":"0001-01-01T00:00:00.000Z","sentAt":"9999-12-31T23:59:59.000Z"
            """);

        Assert.Equal("0001-01-01T00:00:00.000Z", stored.GetProperty("timestamp").GetString());
        Assert.Equal("0001-01-01T00:00:00.000Z", stored.GetProperty("originalTimestamp").GetString());
    }

    [Fact]
    public async Task Timestamp_CorrectedPastYear9999_IsClampedToReceivedAt()
    {
        var day = _clock.AdvanceToNextDay("10:15:00.000");

        var stored = await TrackAsync("""
            "timestamp":"9999-12-31T23:59:59.000Z","sentAt":"0001-01-01T00:00:00.000Z"
            """);

        Assert.Equal($"{day}T10:15:00.000Z", stored.GetProperty("timestamp").GetString());
        Assert.Equal("9999-12-31T23:59:59.000Z", stored.GetProperty("originalTimestamp").GetString());
        Assert.Equal("timestamp_in_future", Assert.Single(stored.Warnings()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Timestamps_AreIsoUtcWithMilliseconds()
    {
        var day = _clock.AdvanceToNextDay("10:15:01.5004");

        var stored = await TrackAsync($$$"""
            "timestamp":"{{{day}}}T12:15:00.1234567+02:00","sentAt":"{{{day}}}T12:15:01+02:00"
            """);

        foreach (var field in (string[])["timestamp", "originalTimestamp", "sentAt", "receivedAt"])
        {
            Assert.Matches(IsoUtcMilliseconds(), stored.GetProperty(field).GetString());
        }

        Assert.Equal($"{day}T10:15:00.123Z", stored.GetProperty("originalTimestamp").GetString());
        Assert.Equal($"{day}T10:15:01.000Z", stored.GetProperty("sentAt").GetString());
        Assert.Equal($"{day}T10:15:01.500Z", stored.GetProperty("receivedAt").GetString());
    }

    private async Task<JsonElement> TrackAsync(string timestampFields)
    {
        var user = NewId("timestamp");
        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E",{{{timestampFields}}}}""");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await _server.GetSingleEventAsync("user_id:" + user);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoUtcMilliseconds();
}
