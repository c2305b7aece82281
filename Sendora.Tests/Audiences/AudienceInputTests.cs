using System.Net;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Audiences;

/// <summary>Malformed and out-of-range input to the audience and computed trait routes.</summary>
[Collection(SendoraCollection.Name)]
public sealed class AudienceInputTests(SendoraFixture fixture)
{
    private const string PlanExists = """{"trait":"plan","operator":"exists"}""";

    [Theory]
    [InlineData("""{"name":5,"condition":{"trait":"plan","operator":"exists"}}""", "$.name")]
    [InlineData("""{"name":"x","enabled":"yes","condition":{"trait":"plan","operator":"exists"}}""", "$.enabled")]
    [InlineData("""{"id":7,"name":"x","condition":{"trait":"plan","operator":"exists"}}""", "$.id")]
    [InlineData("""{"name":"x","description":{},"condition":{"trait":"plan","operator":"exists"}}""", "$.description")]
    public async Task Create_WrongFieldType_Returns400NamingField(string body, string path)
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);

        using var response = await workspace.PostAudienceAsync(body);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var problem = await JsonAssert.ReadAsync(response);
        Assert.Contains(path, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Create_MalformedJson_Returns400WithDetail()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);

        using var response = await workspace.PostAudienceAsync("""{"name":""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var problem = await JsonAssert.ReadAsync(response);
        Assert.Contains("JSON", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Create_NestingBeyondJsonDepth_Returns400NamingLimit()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        var condition = string.Concat(Enumerable.Repeat("""{"not":""", 200)) + PlanExists + new string('}', 200);

        using var response = await workspace.PostAudienceAsync($$"""{"name":"deep","condition":{{condition}}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var problem = await JsonAssert.ReadAsync(response);
        Assert.Contains("64", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Members_NonNumericLimit_Returns400NamingLimit()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("plan", PlanExists);

        using var response = await fixture.Server.GetAsAdminAsync($"{workspace.AudiencesPath}/plan/members?limit=abc");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var problem = await JsonAssert.ReadAsync(response);
        Assert.Contains("limit", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Create_IdWithTrailingNewline_Returns400()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);

        using var response = await workspace.PostAudienceAsync($$"""{"id":"plan\n","name":"x","condition":{{PlanExists}}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var problem = await JsonAssert.ReadAsync(response);
        Assert.Contains("'id'", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task SaveTrait_KeyWithTrailingNewline_Returns400()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);

        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Put,
            $"/admin/v1/workspaces/{workspace.Id}/computed-traits/orders%0A", """{"definition":{"kind":"count","event":"Order Completed"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var traits = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/computed-traits");
        Assert.Empty(traits.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task CreateWorkspace_IdWithTrailingNewline_Returns400()
    {
        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces",
            """{"id":"newline\n","name":"Newline"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
    }

    [Theory]
    [InlineData("name", 257)]
    [InlineData("description", 2_049)]
    public async Task Create_OversizedText_Returns400NamingLimit(string field, int length)
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        var text = new string('n', length);
        var body = field == "name"
            ? $$"""{"name":"{{text}}","condition":{{PlanExists}}}"""
            : $$"""{"name":"x","description":"{{text}}","condition":{{PlanExists}}}""";

        using var response = await workspace.PostAudienceAsync(body);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString();
        Assert.Contains($"'{field}'", detail);
        Assert.Contains((length - 1).ToString("N0", System.Globalization.CultureInfo.InvariantCulture), detail);
    }

    [Theory]
    [InlineData("name", 256)]
    [InlineData("description", 2_048)]
    public async Task Create_EmojiTextAtLimit_IsAccepted(string field, int characters)
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        var text = string.Concat(Enumerable.Repeat("😀", characters));
        var body = field == "name"
            ? $$"""{"name":"{{text}}","condition":{{PlanExists}}}"""
            : $$"""{"name":"x","description":"{{text}}","condition":{{PlanExists}}}""";

        using var response = await workspace.PostAudienceAsync(body);

        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal(text, (await JsonAssert.ReadAsync(response)).GetProperty("audience").GetProperty(field).GetString());
    }

    [Fact]
    public async Task Create_EmojiNameOverLimit_CountsCharacters()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        var name = string.Concat(Enumerable.Repeat("😀", 257));

        using var response = await workspace.PostAudienceAsync($$"""{"name":"{{name}}","condition":{{PlanExists}}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("at most 256 characters, not 257", (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Create_OversizedCondition_Returns400AndKeepsWorkspaceWritable()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        var value = new string('v', 1_500_000);

        using var response = await workspace.PostAudienceAsync(
            $$$"""{"id":"huge","name":"huge","condition":{"trait":"plan","operator":"equals","value":"{{{value}}}"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("65,536", (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
        await workspace.CreateAudienceAsync("small", PlanExists);
    }

    [Fact]
    public async Task SaveTrait_OversizedDefinition_Returns400()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        var name = new string('e', 1_500_000);

        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Put,
            $"/admin/v1/workspaces/{workspace.Id}/computed-traits/orders", $$$"""{"definition":{"kind":"count","event":"{{{name}}}"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("65,536", (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Stream_LastEventIdBeyondLog_Returns400()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro", """{"trait":"plan","operator":"equals","value":"pro"}""");
        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"pro"}}""");

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => workspace.StreamAsync("pro", 1_000));

        Assert.Contains("400", exception.Message);
        Assert.Contains("Last-Event-ID", exception.Message);
    }

    [Theory]
    [InlineData("64:")]
    [InlineData("4096:p_1")]
    public async Task Members_CursorShardOutOfRange_Returns400(string cursor)
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("plan", PlanExists);
        var next = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(cursor)).TrimEnd('=');

        using var response = await fixture.Server.GetAsAdminAsync($"{workspace.AudiencesPath}/plan/members?next={next}");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("'next'", (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
    }
}
