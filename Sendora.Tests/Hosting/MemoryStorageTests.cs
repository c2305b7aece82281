using System.Net;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Hosting;

/// <summary>A gateway that hosts its silo with <c>Sendora:Storage=Memory</c>, which clusters on loopback.</summary>
public sealed class MemoryStorageTests
{
    [Fact]
    public async Task MemoryStorage_StartsAndAppliesTrack()
    {
        await using var server = await SendoraServer.StartAsync(new Dictionary<string, string?> { ["Sendora:Storage"] = "Memory" });

        using (var track = await server.PostAsync("/v1/track", """{"userId":"memory-1","event":"Signed Up"}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, track);
        }

        using var events = await server.GetAsAdminAsync(SendoraServer.ProfilePath("user_id:memory-1", "events"));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, events);
        var body = await JsonAssert.ReadAsync(events);
        Assert.Equal("Signed Up", body.GetProperty("data")[0].GetProperty("event").GetString());
    }
}
