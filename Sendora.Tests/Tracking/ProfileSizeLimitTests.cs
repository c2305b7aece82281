using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

/// <summary>
/// A profile whose state would outgrow one Azure Table entity (1 MiB) rejects the message that would make it so, with
/// its own code, and keeps taking smaller messages. A 503 instead would make the client retry a message that can never
/// be stored.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class ProfileSizeLimitTests(SendoraFixture fixture)
{
    // Each identify carries about 26 KB of new traits, and its envelope is stored as an event too, so on Azurite the
    // 15th of them is the first rejected.
    private const int MaxIdentifies = 60;

    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task FullProfile_RejectsGrowthAndKeepsSmallMessages()
    {
        var user = NewId("full");
        var source = await _server.CreateSourceAsync("profile-size-single");
        var (rejected, acceptedCount) = await FillAsync(user, source.WriteKey);

        var error = await rejected.ReadErrorAsync(HttpStatusCode.BadRequest, "profile_too_large");
        rejected.Dispose();
        Assert.Contains("1,048,576 bytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        using (var track = await _server.PostAsync("/v1/track", $$"""{"userId":"{{user}}","event":"Small"}""", source.WriteKey))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, track);
        }

        var lastAccepted = TraitName(acceptedCount - 1, 0);
        var firstRejected = TraitName(acceptedCount, 0);
        using var response = await _server.GetAsAdminAsync(
            SendoraServer.ProfilePath("user_id:" + user, "traits", $"?include={lastAccepted},{firstRejected}"));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var traits = (await JsonAssert.ReadAsync(response)).GetProperty("traits");
        Assert.True(traits.TryGetProperty(lastAccepted, out _));
        Assert.False(traits.TryGetProperty(firstRejected, out _));
        var rejection = Assert.Single(await _server.GetRejectionsAsync(source.Id));
        Assert.Equal("profile_too_large", rejection.GetProperty("code").GetString());
        Assert.Equal("/v1/identify", rejection.GetProperty("path").GetString());
    }

    [Fact]
    public async Task BatchForFullProfile_RejectsOnlyItsMessages()
    {
        var full = NewId("full-batch");
        var other = NewId("other-batch");
        var source = await _server.CreateSourceAsync("profile-size-batch");
        var (filled, acceptedCount) = await FillAsync(full, source.WriteKey);
        filled.Dispose();
        var body = $$"""
            {"batch":[
              {"type":"identify","userId":"{{full}}","traits":{{Traits(acceptedCount + 1)}}},
              {"type":"track","userId":"{{other}}","event":"Kept"}
            ]}
            """;

        using var response = await _server.PostAsync("/v1/batch", body, source.WriteKey);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var rejected = Assert.Single((await JsonAssert.ReadAsync(response)).GetProperty("rejected").EnumerateArray());
        Assert.Equal(0, rejected.GetProperty("index").GetInt32());
        Assert.Equal("profile_too_large", rejected.GetProperty("code").GetString());
        Assert.Single(await _server.GetEventsAsync("user_id:" + other));
        var stored = await _server.GetRejectionsAsync(source.Id);
        Assert.Equal(2, stored.Length);
        Assert.All(stored, r => Assert.Equal("profile_too_large", r.GetProperty("code").GetString()));
    }

    // A group call is applied to its profile first, so a group that cannot store more traits drops them and still
    // takes the call: a 503 would fail every later request with such a call.
    [Fact]
    public async Task FullGroup_DropsTraitsAndAddsMembers()
    {
        var groupId = NewId("full-group");
        string? lastUser = null;
        for (var i = 0; i < 45; i++)
        {
            lastUser = NewId("member");
            using var response = await _server.PostAsync(
                "/v1/group", $$"""{"userId":"{{lastUser}}","groupId":"{{groupId}}","traits":{{Traits(i)}}}""");
            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        var first = TraitName(0, 0);
        var last = TraitName(44, 0);
        using var traitsResponse = await _server.GetAsAdminAsync(
            $"/v1/spaces/default/collections/accounts/profiles/group_id:{groupId}/traits?include={first},{last}");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, traitsResponse);
        var traits = (await JsonAssert.ReadAsync(traitsResponse)).GetProperty("traits");
        Assert.True(traits.TryGetProperty(first, out _));
        Assert.False(traits.TryGetProperty(last, out _));
        using var links = await _server.GetAsAdminAsync(SendoraServer.ProfilePath("user_id:" + lastUser, "links"));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, links);
        Assert.Contains(groupId, await links.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Sends identifies with new traits until one is rejected. Returns that response and how many were accepted.
    /// </summary>
    private async Task<(HttpResponseMessage Rejected, int AcceptedCount)> FillAsync(string user, string writeKey)
    {
        for (var i = 0; i < MaxIdentifies; i++)
        {
            var response = await _server.PostAsync(
                "/v1/identify", $$"""{"userId":"{{user}}","traits":{{Traits(i)}}}""", writeKey);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (response, i);
            }

            response.Dispose();
        }

        throw new InvalidOperationException($"{MaxIdentifies} identifies of 26 KB each were all accepted.");
    }

    private static string Traits(int round)
    {
        var traits = new Dictionary<string, string>();
        for (var t = 0; t < 100; t++)
        {
            traits[TraitName(round, t)] = new string('v', 250);
        }

        return JsonSerializer.Serialize(traits);
    }

    private static string TraitName(int round, int index) => $"r{round:D3}_t{index:D3}";
}
