using System.Net;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Audiences;

/// <summary>Computed traits through the admin API, served as traits and used by audiences.</summary>
[Collection(SendoraCollection.Name)]
public sealed class ComputedTraitApiTests(SendoraFixture fixture)
{
    [Fact]
    public async Task SumAndCount_AreServedAsTraits()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await SaveAsync(workspace, "total_spend", """{"kind":"sum","event":"Order Completed","property":"total"}""");
        await SaveAsync(workspace, "orders_30d", """{"kind":"count","event":"Order Completed","window":{"last":{"days":30}}}""");

        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Order Completed","properties":{"total":40.5}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Order Completed","properties":{"total":"9.5"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Order Refunded","properties":{"total":50}}""");

        var traits = (await workspace.GetAsync($"/v1/spaces/{workspace.Id}/collections/users/profiles/user_id:u1/traits?limit=100"))
            .GetProperty("traits");
        Assert.Equal(50m, traits.GetProperty("total_spend").GetDecimal());
        Assert.Equal(2, traits.GetProperty("orders_30d").GetInt32());
    }

    [Fact]
    public async Task ComputedTraitAudience_EntersAtThreshold()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await SaveAsync(workspace, "total_spend", """{"kind":"sum","event":"Order Completed","property":"total"}""");
        await workspace.CreateAudienceAsync("big-spenders", """{"computed_trait":"total_spend","operator":"at_least","value":100}""");
        await using var client = await workspace.StreamAsync("big-spenders");

        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Order Completed","properties":{"total":60},"messageId":"first"}""");
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Order Completed","properties":{"total":60},"messageId":"second"}""");

        var enter = await client.NextAsync();
        Assert.Equal("enter", enter.Event);
        Assert.Equal("second", enter.Data.GetProperty("message_id").GetString());
    }

    [Fact]
    public async Task Backfill_ComputesTraitForExistingProfiles()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Viewed","properties":{"page":"a"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Viewed","properties":{"page":"b"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Viewed","properties":{"page":"a"}}""");

        await SaveAsync(workspace, "pages", """{"kind":"unique_count","event":"Viewed","property":"page"}""");
        await workspace.WaitForBackfillAsync(AudienceWorkspace.BackfillTimeout);

        var traits = (await workspace.GetAsync($"/v1/spaces/{workspace.Id}/collections/users/profiles/user_id:u1/traits?limit=100"))
            .GetProperty("traits");
        Assert.Equal(2, traits.GetProperty("pages").GetInt32());
    }

    [Fact]
    public async Task InvalidDefinition_Returns400WithPath()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);

        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Put,
            $"/admin/v1/workspaces/{workspace.Id}/computed-traits/bad", """{"definition":{"kind":"median","event":"E"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal("$.definition.kind", error.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Delete_ReferencedTrait_Returns409()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await SaveAsync(workspace, "total_spend", """{"kind":"sum","event":"Order Completed","property":"total"}""");
        await workspace.CreateAudienceAsync("big", """{"computed_trait":"total_spend","operator":"greater_than","value":10}""");

        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Delete,
            $"/admin/v1/workspaces/{workspace.Id}/computed-traits/total_spend", "{}");

        await JsonAssert.StatusAsync(HttpStatusCode.Conflict, response);
        Assert.Contains("'big'", (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
    }

    private static async Task SaveAsync(AudienceWorkspace workspace, string key, string definition)
    {
        using var response = await workspace.Server.SendAsAdminAsync(HttpMethod.Put,
            $"/admin/v1/workspaces/{workspace.Id}/computed-traits/{key}", $$"""{"definition":{{definition}}}""");
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
    }
}
