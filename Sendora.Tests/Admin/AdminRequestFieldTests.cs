using System.Net;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Admin;

/// <summary>
/// A misspelt or repeated field in an admin request is an error naming it. Dropped without a word, a destination's
/// "filters" forwarded every event of its source, and an audience's "conditon" kept the old condition.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class AdminRequestFieldTests(SendoraFixture fixture)
{
    [Fact]
    public async Task UnknownField_Returns400NamingIt()
    {
        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/audiences",
            """{"name":"typo","conditon":{"trait":"plan","operator":"exists"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString();
        Assert.Contains("'$.conditon'", detail, StringComparison.Ordinal);
        Assert.Contains("no such field", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Sendora.", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RepeatedField_Returns400()
    {
        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/journeys",
            """{"id":"j1","id":"j2","definition":{"name":"x","trigger":{"event":"E"},"steps":[{"id":"s","type":"exit"}]}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("id", (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
