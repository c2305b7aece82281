using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Admin;

/// <summary>Creating and listing workspaces through the admin API, and its token check.</summary>
[Collection(SendoraCollection.Name)]
public sealed class WorkspaceApiTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task CreateWorkspace_NewId_Returns201()
    {
        var id = NewWorkspaceId();

        var response = await CreateAsync(id);

        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal($"/admin/v1/workspaces/{id}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CreateWorkspace_NewId_HasOneEnabledSource()
    {
        var id = NewWorkspaceId();

        var body = await JsonAssert.ReadAsync(await CreateAsync(id, "Acme"));

        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal("Acme", body.GetProperty("name").GetString());
        var source = Assert.Single(body.GetProperty("sources").EnumerateArray());
        Assert.False(string.IsNullOrWhiteSpace(source.GetProperty("writeKey").GetString()));
        Assert.True(source.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task CreateWorkspace_DuplicateId_Returns409()
    {
        var id = NewWorkspaceId();
        await JsonAssert.StatusAsync(HttpStatusCode.Created, await CreateAsync(id));

        var response = await CreateAsync(id, "Second");

        await JsonAssert.StatusAsync(HttpStatusCode.Conflict, response);
    }

    [Fact]
    public async Task CreateWorkspace_DuplicateId_KeepsFirstWorkspace()
    {
        var id = NewWorkspaceId();
        await CreateAsync(id, "First");
        await CreateAsync(id, "Second");

        var workspace = await ReadAsync($"/admin/v1/workspaces/{id}");

        Assert.Equal("First", workspace.GetProperty("name").GetString());
        Assert.Single(workspace.GetProperty("sources").EnumerateArray());
    }

    [Fact]
    public async Task CreateWorkspace_DefaultId_Returns409()
    {
        var response = await CreateAsync("default");

        await JsonAssert.StatusAsync(HttpStatusCode.Conflict, response);
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("has space")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("-leading-dash")]
    [InlineData("ümlaut")]
    [InlineData("a123456789b123456789c123456789d123456789e123456789f123456789g1234")]
    public async Task CreateWorkspace_InvalidId_Returns400NamingId(string id)
    {
        var response = await CreateAsync(id);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.Contains("'id'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateWorkspace_MissingId_Returns400NamingId()
    {
        var response = await _server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces", """{"name":"No id"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.Contains("'id'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateWorkspace_LongestValidId_Returns201()
    {
        var id = ("w" + Guid.NewGuid().ToString("N") + new string('x', 64))[..64];

        var response = await CreateAsync(id);

        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
    }

    [Fact]
    public async Task CreateWorkspace_BlankName_Returns400NamingName()
    {
        var response = await CreateAsync(NewWorkspaceId(), " ");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.Contains("'name'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("sourceName")]
    public async Task CreateWorkspace_LongName_Returns400NamingLimit(string field)
    {
        var id = NewWorkspaceId();
        var body = new Dictionary<string, string> { ["id"] = id, ["name"] = "Acme", [field] = new string('n', 257) };

        var response = await _server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces", JsonSerializer.Serialize(body));

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString();
        Assert.Equal($"'{field}' must be at most 256 characters, not 257.", detail);
        var stored = await _server.GetAsAdminAsync($"/admin/v1/workspaces/{id}");
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, stored);
    }

    [Fact]
    public async Task CreateWorkspace_NamesOfMaxLength_Returns201()
    {
        // An emoji is two UTF-16 code units but one character, as the limit counts them.
        var name = string.Concat(Enumerable.Repeat("😀", 256));
        var sourceName = new string('s', 256);
        var body = JsonSerializer.Serialize(new { id = NewWorkspaceId(), name, sourceName });

        var response = await _server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces", body);

        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        var workspace = await JsonAssert.ReadAsync(response);
        Assert.Equal(name, workspace.GetProperty("name").GetString());
        Assert.Equal(sourceName, workspace.GetProperty("sources")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task CreateWorkspace_BlankSourceName_Returns400()
    {
        var body = JsonSerializer.Serialize(new { id = NewWorkspaceId(), name = "Acme", sourceName = " " });

        var response = await _server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces", body);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString();
        Assert.Equal("'sourceName' must be a non-empty string.", detail);
    }

    [Fact]
    public async Task ListWorkspaces_AfterCreate_IncludesIt()
    {
        var id = NewWorkspaceId();
        await JsonAssert.StatusAsync(HttpStatusCode.Created, await CreateAsync(id, "Listed"));

        var list = await ReadAsync("/admin/v1/workspaces");

        var listed = Assert.Single(list.GetProperty("data").EnumerateArray(), w => w.GetProperty("id").GetString() == id);
        Assert.Equal("Listed", listed.GetProperty("name").GetString());
    }

    [Fact]
    public async Task ListWorkspaces_FirstStart_IncludesDefault()
    {
        var list = await ReadAsync("/admin/v1/workspaces");

        Assert.Contains(list.GetProperty("data").EnumerateArray(), w => w.GetProperty("id").GetString() == "default");
    }

    [Fact]
    public async Task DefaultWorkspace_FirstStart_HasConfiguredWriteKey()
    {
        var workspace = await ReadAsync("/admin/v1/workspaces/default");

        var source = workspace.GetProperty("sources")[0];
        Assert.Equal(_server.WriteKey, source.GetProperty("writeKey").GetString());
    }

    [Fact]
    public async Task GetWorkspace_UnknownId_Returns404()
    {
        var response = await _server.GetAsAdminAsync($"/admin/v1/workspaces/{NewWorkspaceId()}");

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Theory]
    [InlineData("GET", "/admin/v1/workspaces")]
    [InlineData("POST", "/admin/v1/workspaces")]
    [InlineData("GET", "/admin/v1/workspaces/default")]
    [InlineData("GET", "/admin/v1/workspaces/default/sources")]
    [InlineData("POST", "/admin/v1/workspaces/default/sources")]
    public async Task AdminApi_WithoutToken_Returns401(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            // The token is checked before binding, so a body that one of the routes rejects still gets 401.
            request.Content = new StringContent("""{"id":"x","name":"x"}""", System.Text.Encoding.UTF8, "application/json");
        }

        var response = await _server.Http.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task AdminApi_WrongToken_Returns401()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/workspaces");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong-" + SendoraServer.AdminToken);

        var response = await _server.Http.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task AdminApi_WithoutToken_CreatesNothing()
    {
        var id = NewWorkspaceId();
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/workspaces")
        {
            Content = new StringContent($$"""{"id":"{{id}}","name":"x"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        await _server.Http.SendAsync(request);

        var response = await _server.GetAsAdminAsync($"/admin/v1/workspaces/{id}");

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    private Task<HttpResponseMessage> CreateAsync(string id, string name = "Test workspace") =>
        _server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces", JsonSerializer.Serialize(new { id, name }));

    private async Task<JsonElement> ReadAsync(string path)
    {
        var response = await _server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    private static string NewWorkspaceId() => "ws-" + Guid.NewGuid().ToString("N")[..16];
}
