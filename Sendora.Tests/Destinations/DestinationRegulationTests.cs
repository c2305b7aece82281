using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Destinations;

/// <summary>A regulation that deletes a person sends a delete message to destinations, as Segment does.</summary>
[Collection(DestinationsCollection.Name)]
public sealed class DestinationRegulationTests(DestinationsFixture fixture)
{
    [Fact]
    public async Task Delete_SendsDeleteToUnfilteredDestinations()
    {
        await fixture.CreateDestinationAsync(fixture.Destination("erasing", "Erasing", fixture.Receiver.Url("erasing")));
        await fixture.CreateDestinationAsync(fixture.Destination("tracks-only", "Tracks only", fixture.Receiver.Url("tracks-only"),
            """, "filter": {"eventTypes": ["track"]}"""));
        await fixture.SendAsync(DestinationsFixture.Track("r-ada", "r-a1", "Ordered", "2026-12-04T10:00:00.000Z"));
        await fixture.WaitForAsync("erasing", 1);
        await fixture.WaitForAsync("tracks-only", 1);

        using (var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/regulations",
            """{"regulationType":"DELETE","subjectIds":["r-ada"]}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Accepted, response);
        }

        var received = await fixture.WaitForAsync("erasing", 2);

        var deletion = received[1];
        Assert.Equal("delete", deletion.GetProperty("type").GetString());
        Assert.Equal("r-ada", deletion.GetProperty("userId").GetString());
        Assert.StartsWith("delete-rg_", deletion.GetProperty("messageId").GetString());
        Assert.Equal("DELETE", deletion.GetProperty("context").GetProperty("regulation").GetProperty("regulationType").GetString());
        Assert.Single(fixture.Receiver.AcceptedBy("tracks-only"));
        Assert.Empty(fixture.Receiver.Errors);
    }

    [Fact]
    public async Task DeleteAfterMerge_ArrivesAfterEveryMessage()
    {
        await fixture.CreateDestinationAsync(fixture.Destination("erasing-merged", "Erasing merged", fixture.Receiver.Url("erasing-merged")));
        await fixture.SendAsync(
            """{"type": "track", "anonymousId": "m-phone", "messageId": "m-anon", "event": "Browsed"}""",
            DestinationsFixture.Track("m-ada", "m-user", "Ordered", "2026-12-04T10:00:00.000Z"));
        await fixture.SendAsync(
            """{"type": "identify", "userId": "m-ada", "anonymousId": "m-phone", "messageId": "m-link"}""",
            """{"type": "track", "anonymousId": "m-phone", "messageId": "m-after", "event": "Browsed"}""");

        using (var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/regulations",
            """{"regulationType":"DELETE","subjectIds":["m-ada"]}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Accepted, response);
        }

        var received = await fixture.WaitForAsync("erasing-merged", 6);

        var types = received.Select(m => m.GetProperty("type").GetString()).ToList();
        Assert.Equal(2, types.Count(type => type == "delete"));
        Assert.True(types.FindLastIndex(type => type != "delete") < types.FindLastIndex(type => type == "delete"),
            $"A message arrived after every delete: {string.Join(", ", received.Select(m => m.GetProperty("messageId").GetString()))}");
    }
}
