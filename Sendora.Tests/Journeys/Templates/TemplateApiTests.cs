using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Journeys.Templates.TemplateWorkspace;

namespace Sendora.Tests.Journeys.Templates;

/// <summary>Creating, reading, listing, replacing and deleting templates, and the audit of those changes.</summary>
[Collection(SendoraCollection.Name)]
public sealed class TemplateApiTests(SendoraFixture fixture)
{
    [Fact]
    public async Task Create_Email_IsReturnedByGet()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);

        using var response = await workspace.PostAsync(Email(("id", "welcome")));

        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal($"{workspace.TemplatesPath}/welcome", response.Headers.Location?.OriginalString);
        var created = await JsonAssert.ReadAsync(response);
        Assert.Equal(1, created.GetProperty("version").GetInt32());
        var stored = await workspace.GetTemplateAsync("welcome");
        Assert.Equal("welcome", stored.GetProperty("id").GetString());
        Assert.Equal("Welcome", stored.GetProperty("name").GetString());
        Assert.Equal("email", stored.GetProperty("channel").GetString());
        Assert.Equal("Hello {{ traits.first_name }}", stored.GetProperty("subject").GetString());
        Assert.Equal("<p>Hi {{ traits.first_name }}</p>", stored.GetProperty("htmlBody").GetString());
        Assert.Equal("Hi {{ traits.first_name }}", stored.GetProperty("textBody").GetString());
        Assert.Equal(1, stored.GetProperty("version").GetInt32());
        Assert.Equal(stored.GetProperty("createdAt").GetString(), stored.GetProperty("updatedAt").GetString());
        Assert.False(stored.TryGetProperty("title", out _));
    }

    [Fact]
    public async Task Create_Push_KeepsTitleBodyAndData()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);

        await workspace.CreateAsync("""
            {"id":"cart","name":"Cart reminder","channel":"push","title":"Still there, {{ traits.first_name }}?",
             "body":"Your cart has {{ event.properties.items }} items","data":{"screen":"cart","campaign":"c1"}}
            """);

        var stored = await workspace.GetTemplateAsync("cart");
        Assert.Equal("push", stored.GetProperty("channel").GetString());
        Assert.Equal("Still there, {{ traits.first_name }}?", stored.GetProperty("title").GetString());
        Assert.Equal("Your cart has {{ event.properties.items }} items", stored.GetProperty("body").GetString());
        Assert.Equal("cart", stored.GetProperty("data").GetProperty("screen").GetString());
        Assert.Equal("c1", stored.GetProperty("data").GetProperty("campaign").GetString());
        Assert.False(stored.TryGetProperty("subject", out _));
    }

    [Fact]
    public async Task Create_WithoutId_GeneratesOne()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);

        var created = await workspace.CreateAsync(Email(("name", "No id")));

        var id = created.GetProperty("id").GetString()!;
        Assert.Matches("^tpl_[0-9a-f]{16}$", id);
        var stored = await workspace.GetTemplateAsync(id);
        Assert.Equal("No id", stored.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Create_DuplicateId_Returns409()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "welcome")));

        using var response = await workspace.PostAsync(Email(("id", "welcome"), ("subject", "Other subject")));

        await JsonAssert.StatusAsync(HttpStatusCode.Conflict, response);
        Assert.Contains("'welcome'", (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
        var stored = await workspace.GetTemplateAsync("welcome");
        Assert.Equal("Hello {{ traits.first_name }}", stored.GetProperty("subject").GetString());
        Assert.Equal(1, stored.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task List_ReturnsSummariesOrderedById()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "welcome")));
        await workspace.CreateAsync(Push(("id", "alert")));

        var list = await workspace.GetAsync(workspace.TemplatesPath);

        var items = list.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["alert", "welcome"], items.Select(t => t.GetProperty("id").GetString()));
        Assert.Equal(["push", "email"], items.Select(t => t.GetProperty("channel").GetString()));
        Assert.Equal("Alert", items[0].GetProperty("name").GetString());
        Assert.Equal(1, items[0].GetProperty("version").GetInt32());
        Assert.True(items[0].TryGetProperty("updatedAt", out _));
        Assert.False(items[1].TryGetProperty("htmlBody", out _));
    }

    [Fact]
    public async Task List_NewWorkspace_IsEmpty()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);

        Assert.Empty(await workspace.ListIdsAsync());
    }

    [Fact]
    public async Task Update_ReplacesContentAndGrowsVersion()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        var created = await workspace.CreateAsync(Email(("id", "welcome")));

        var first = await workspace.UpdateAsync("welcome",
            """{"name":"Welcome","subject":"Welcome!","textBody":"Plain only"}""");
        await workspace.UpdateAsync("welcome",
            """{"name":"Welcome","channel":"email","subject":"Welcome again","textBody":"Plain only"}""");

        Assert.Equal(2, first.GetProperty("version").GetInt32());
        var stored = await workspace.GetTemplateAsync("welcome");
        Assert.Equal(3, stored.GetProperty("version").GetInt32());
        Assert.Equal("Welcome again", stored.GetProperty("subject").GetString());
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("htmlBody").ValueKind);
        Assert.Equal(created.GetProperty("createdAt").GetString(), stored.GetProperty("createdAt").GetString());
        Assert.NotEqual(stored.GetProperty("createdAt").GetString(), stored.GetProperty("updatedAt").GetString());
        var summary = (await workspace.GetAsync(workspace.TemplatesPath)).GetProperty("data")[0];
        Assert.Equal(3, summary.GetProperty("version").GetInt32());
        Assert.Equal("Welcome", summary.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Update_OtherChannel_Returns400()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "welcome")));

        using var response = await workspace.PutAsync("welcome", Push());

        var detail = await ReadBadRequestDetailAsync(response);
        Assert.StartsWith("'channel' must be", detail);
        Assert.Contains("\"email\"", detail);
        var stored = await workspace.GetTemplateAsync("welcome");
        Assert.Equal("email", stored.GetProperty("channel").GetString());
        Assert.Equal(1, stored.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Update_OtherIdInBody_Returns400()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "welcome")));

        using var response = await workspace.PutAsync("welcome", Email(("id", "other")));

        Assert.StartsWith("'id' must be", await ReadBadRequestDetailAsync(response));
    }

    [Fact]
    public async Task Delete_RemovesTemplateAndListing()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "welcome")));

        await workspace.DeleteExistingAsync("welcome");

        using (var get = await fixture.Server.GetAsAdminAsync($"{workspace.TemplatesPath}/welcome"))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.NotFound, get);
        }

        using (var again = await workspace.DeleteAsync("welcome"))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.NotFound, again);
        }

        Assert.Empty(await workspace.ListIdsAsync());
    }

    [Fact]
    public async Task Create_AfterDelete_ContinuesVersion()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "welcome")));
        await workspace.UpdateAsync("welcome", Email(("id", "welcome"), ("subject", "Second")));
        await workspace.DeleteExistingAsync("welcome");

        var recreated = await workspace.CreateAsync(Push(("id", "welcome")));

        Assert.Equal(3, recreated.GetProperty("version").GetInt32());
        Assert.Equal("push", recreated.GetProperty("channel").GetString());
    }

    [Fact]
    public async Task MissingWorkspace_Returns404OnEveryRoute()
    {
        var path = "/admin/v1/workspaces/no-such-workspace/templates";
        var requests = new (HttpMethod Method, string Path, string Body)[]
        {
            (HttpMethod.Get, path, ""),
            (HttpMethod.Post, path, Email(("id", "welcome"))),
            (HttpMethod.Get, $"{path}/welcome", ""),
            (HttpMethod.Put, $"{path}/welcome", Email(("id", "welcome"))),
            (HttpMethod.Delete, $"{path}/welcome", "{}"),
            (HttpMethod.Post, $"{path}/welcome/preview", "{}"),
        };

        await AssertNotFoundAsync(requests, "Workspace not found");
    }

    [Fact]
    public async Task MissingTemplate_Returns404OnEveryRoute()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        var requests = new (HttpMethod Method, string Path, string Body)[]
        {
            (HttpMethod.Get, $"{workspace.TemplatesPath}/absent", ""),
            (HttpMethod.Put, $"{workspace.TemplatesPath}/absent", Email(("id", "absent"))),
            (HttpMethod.Delete, $"{workspace.TemplatesPath}/absent", "{}"),
            (HttpMethod.Post, $"{workspace.TemplatesPath}/absent/preview", "{}"),
            (HttpMethod.Get, $"{workspace.TemplatesPath}/Not%20An%20Id", ""),
        };

        await AssertNotFoundAsync(requests, "Template not found");

        Assert.Empty(await workspace.ListIdsAsync());
    }

    [Fact]
    public async Task Changes_AreAuditedWithBeforeAndAfter()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "welcome")));
        await workspace.UpdateAsync("welcome", Email(("id", "welcome"), ("subject", "Changed")));
        await workspace.DeleteExistingAsync("welcome");

        var audit = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/audit?target=workspaces/{workspace.Id}/templates");
        var entries = audit.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(
            ["template.delete", "template.update", "template.create"],
            entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e => Assert.Equal("admin", e.GetProperty("actor").GetString()));
        var target = $"workspaces/{workspace.Id}/templates/welcome";
        Assert.All(entries, e => Assert.Equal(target, e.GetProperty("target").GetString()));

        var (delete1, update1, create1) = (entries[0], entries[1], entries[2]);
        Assert.Equal(JsonValueKind.Null, create1.GetProperty("before").ValueKind);
        Assert.Equal(JsonValueKind.Null, delete1.GetProperty("after").ValueKind);
        var created = Summary(create1, "after");
        var beforeUpdate = Summary(update1, "before");
        var afterUpdate = Summary(update1, "after");
        var deleted = Summary(delete1, "before");
        Assert.Equal("Welcome", created.GetProperty("name").GetString());
        Assert.Equal("email", created.GetProperty("channel").GetString());
        Assert.Equal(1, beforeUpdate.GetProperty("version").GetInt32());
        Assert.Equal(2, afterUpdate.GetProperty("version").GetInt32());
        Assert.Equal(2, deleted.GetProperty("version").GetInt32());
        Assert.Matches("^[0-9a-f]{64}$", Hash(created));
        Assert.Equal(Hash(created), Hash(beforeUpdate));
        Assert.NotEqual(Hash(beforeUpdate), Hash(afterUpdate));
        Assert.DoesNotContain("Hi {{", update1.GetProperty("after").GetString());
    }

    private async Task AssertNotFoundAsync(
        IEnumerable<(HttpMethod Method, string Path, string Body)> requests, string title)
    {
        foreach (var (method, path, body) in requests)
        {
            using var response = method == HttpMethod.Get
                ? await fixture.Server.GetAsAdminAsync(path)
                : await fixture.Server.SendAsAdminAsync(method, path, body);
            await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
            var problem = await JsonAssert.ReadAsync(response);
            Assert.Equal(title, problem.GetProperty("title").GetString());
        }
    }

    private static string? Hash(JsonElement summary) => summary.GetProperty("contentSha256").GetString();

    private static JsonElement Summary(JsonElement entry, string side)
    {
        using var document = JsonDocument.Parse(entry.GetProperty(side).GetString()!);
        return document.RootElement.Clone();
    }
}
