using System.Globalization;
using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Health;

[Collection(HealthCollection.Name)]
public sealed class VolumeAlertTests(HealthFixture fixture)
{
    private const int MessagesPerHour = 3;

    [Fact]
    public async Task VolumeAlert_SilentSource_OpensOnceThenResolves()
    {
        var workspaceId = "vol-" + Guid.NewGuid().ToString("N")[..10];
        var (sourceId, writeKey) = await fixture.CreateWorkspaceAsync(workspaceId);
        fixture.Clock.AdvanceToNextDay("00:05:00.000");

        // Four days of steady traffic: the last day is checked against three days of history and stays in range.
        for (var hour = 0; hour < 4 * 24; hour++)
        {
            await SendHourOfTrafficAsync(writeKey);
            fixture.Clock.Advance(TimeSpan.FromHours(1));
        }

        Assert.Empty(await fixture.GetAlertsAsync(workspaceId));

        // The source sends nothing in the hour from 00:00 on the fifth day, which is checked from 01:01.
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        var opened = await fixture.WaitForAlertAsync(workspaceId, a => a.GetProperty("resolvedAt").ValueKind == JsonValueKind.Null);
        Assert.Equal("volume", opened.GetProperty("kind").GetString());
        Assert.Equal(sourceId, opened.GetProperty("subject").GetString());
        Assert.Equal(0, opened.GetProperty("observed").GetDouble());
        Assert.Equal(MessagesPerHour, opened.GetProperty("expected").GetDouble());

        var health = await GetHealthAsync(workspaceId, sourceId);
        Assert.True(health.GetProperty("alert").GetProperty("open").GetBoolean());
        Assert.Equal(50, health.GetProperty("volumeAlertPercent").GetInt32());
        Assert.True(health.GetProperty("hours").GetArrayLength() >= 4 * 24 - 1);
        Assert.All(health.GetProperty("hours").EnumerateArray(), h => Assert.Equal(MessagesPerHour, h.GetProperty("accepted").GetInt64()));

        var openedPost = await fixture.WaitForAlertPostAsync(workspaceId, "alert.opened");
        Assert.Equal(opened.GetProperty("id").GetString(), openedPost.GetProperty("alert").GetProperty("id").GetString());

        // More checks in the same silent hour change nothing and send nothing more.
        fixture.Clock.Advance(TimeSpan.FromMinutes(20));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(fixture.AlertPostsOf(workspaceId));

        // Traffic is back to normal in the next hour, which is checked an hour later.
        await SendHourOfTrafficAsync(writeKey);
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        var resolved = await fixture.WaitForAlertAsync(workspaceId, a => a.GetProperty("resolvedAt").ValueKind == JsonValueKind.String);
        Assert.Equal(opened.GetProperty("id").GetString(), resolved.GetProperty("id").GetString());
        Assert.Equal(MessagesPerHour, resolved.GetProperty("observed").GetDouble());

        var resolvedPost = await fixture.WaitForAlertPostAsync(workspaceId, "alert.resolved");
        Assert.Equal("resolved", resolvedPost.GetProperty("alert").GetProperty("status").GetString());
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(["alert.opened", "alert.resolved"], fixture.AlertPostsOf(workspaceId).Select(p => p.GetProperty("type").GetString()));
        Assert.Empty(fixture.Webhooks.Errors);
        Assert.False((await GetHealthAsync(workspaceId, sourceId)).GetProperty("alert").GetProperty("open").GetBoolean());
    }

    [Fact]
    public async Task UpdateSource_VolumeAlertPercent_ShownInHealth()
    {
        var workspaceId = "pct-" + Guid.NewGuid().ToString("N")[..10];
        var (sourceId, _) = await fixture.CreateWorkspaceAsync(workspaceId);

        using var update = await fixture.Server.SendAsAdminAsync(
            HttpMethod.Patch, $"/admin/v1/workspaces/{workspaceId}/sources/{sourceId}", """{"volumeAlertPercent":25}""");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, update);
        var source = await JsonAssert.ReadAsync(update);

        Assert.Equal(25, source.GetProperty("volumeAlertPercent").GetInt32());
        Assert.True(source.GetProperty("enabled").GetBoolean());
        Assert.Equal(25, (await GetHealthAsync(workspaceId, sourceId)).GetProperty("volumeAlertPercent").GetInt32());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task UpdateSource_VolumeAlertPercentOutOfRange_Returns400(int percent)
    {
        var workspaceId = "pct-" + Guid.NewGuid().ToString("N")[..10];
        var (sourceId, _) = await fixture.CreateWorkspaceAsync(workspaceId);

        using var update = await fixture.Server.SendAsAdminAsync(
            HttpMethod.Patch, $"/admin/v1/workspaces/{workspaceId}/sources/{sourceId}",
            JsonSerializer.Serialize(new { volumeAlertPercent = percent }));

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, update);
        Assert.Contains("'volumeAlertPercent'", (await JsonAssert.ReadAsync(update)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Sends a batch of <see cref="MessagesPerHour"/> events stamped now and hands the counts to the source.</summary>
    private async Task SendHourOfTrafficAsync(string writeKey)
    {
        var now = fixture.Clock.GetUtcNow();
        var batch = Enumerable.Range(0, MessagesPerHour).Select(i => new Dictionary<string, object>
        {
            ["type"] = "track",
            ["event"] = "Page Viewed",
            ["userId"] = "user-" + i.ToString(CultureInfo.InvariantCulture),
            ["messageId"] = Guid.NewGuid().ToString("N"),
            ["timestamp"] = now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        });
        using var response = await fixture.Server.PostAsync("/v1/batch", JsonSerializer.Serialize(new { batch }), writeKey);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        await fixture.FlushCountsAsync();
    }

    private async Task<JsonElement> GetHealthAsync(string workspaceId, string sourceId)
    {
        using var response = await fixture.Server.GetAsAdminAsync($"/admin/v1/workspaces/{workspaceId}/sources/{sourceId}/health");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }
}
