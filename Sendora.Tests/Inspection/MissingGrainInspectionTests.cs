using System.Net;
using System.Text.Json;
using Sendora.Tests.Audiences;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Inspection;

/// <summary>Inspection of grains that were never written: each shows as empty and storage stays without a record.</summary>
[Collection(SendoraCollection.Name)]
public sealed class MissingGrainInspectionTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task MissingProfile_ShowsEmpty_CreatesNothing()
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);
        const string profileId = "p_000000000000nothinghere";
        var stored = new StoredGrains(_server);

        var inspection = await workspace.GetAsync(Path(workspace, $"profiles/{profileId}"));

        var grain = inspection.GetProperty("grain");
        Assert.False(grain.GetProperty("exists").GetBoolean());
        Assert.Equal(JsonValueKind.Null, grain.GetProperty("etag").ValueKind);
        Assert.Empty(grain.GetProperty("state").GetProperty("traits").EnumerateObject());
        Assert.Equal(JsonValueKind.Null, grain.GetProperty("state").GetProperty("createdAt").ValueKind);
        Assert.False(inspection.GetProperty("audiences").GetProperty("exists").GetBoolean());
        Assert.Null(await stored.ProfileETagAsync(workspace.Id, profileId));
        Assert.Empty(await stored.ProfileRemindersAsync(workspace.Id, profileId));
    }

    [Theory]
    [InlineData("identities/user_id:nobody")]
    [InlineData("groups/no-such-group")]
    [InlineData("journeys/no-such-journey")]
    [InlineData("journeys/no-such-journey/runs/p_000000000000nothinghere")]
    [InlineData("journeys/no-such-journey/steps/no-step/deliveries")]
    [InlineData("deliveries/no-such-delivery")]
    [InlineData("profiles/p_000000000000nothinghere/deliveries")]
    public async Task MissingGrain_ShowsEmpty(string route)
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);

        var first = await workspace.GetAsync(Path(workspace, route));
        var second = await workspace.GetAsync(Path(workspace, route));

        Assert.False(first.GetProperty("exists").GetBoolean());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("etag").ValueKind);
        Assert.False(second.GetProperty("exists").GetBoolean());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("etag").ValueKind);
    }

    [Fact]
    public async Task MissingAudience_ShowsEmptyWithoutShards()
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);

        var inspection = await workspace.GetAsync(Path(workspace, "audiences/no-such-audience"));

        Assert.False(inspection.GetProperty("audience").GetProperty("exists").GetBoolean());
        Assert.Empty(inspection.GetProperty("shards").EnumerateArray());
    }

    [Fact]
    public async Task UnknownExternalId_Returns404()
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);

        using var response = await _server.GetAsAdminAsync(Path(workspace, "profiles/user_id:nobody"));

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Fact]
    public async Task UnknownWorkspace_Returns404()
    {
        using var response = await _server.GetAsAdminAsync("/admin/v1/workspaces/no-such-workspace/inspect/profiles/p_1");

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("49")]
    [InlineData("100001")]
    public async Task MaxItemsOutOfRange_Returns400(string maxItems)
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);

        using var response = await _server.GetAsAdminAsync(Path(workspace, $"identities/user_id:x?maxItems={maxItems}"));

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("maxItems", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Inspection_WithoutToken_Returns401()
    {
        using var response = await _server.Http.GetAsync("/admin/v1/workspaces/default/inspect/profiles/p_1");

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    private static string Path(AudienceWorkspace workspace, string route) => $"/admin/v1/workspaces/{workspace.Id}/inspect/{route}";
}
