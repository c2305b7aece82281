using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sendora.Grains.Admin;
using Sendora.Grains.Admin.Audit;
using Sendora.Grains.Destinations;

namespace Sendora.Tests.Destinations;

[Collection(DestinationsCollection.Name)]
public sealed class DestinationApiTests(DestinationsFixture fixture)
{
    private const string Path = "/admin/v1/workspaces/default/destinations";

    public static TheoryData<string, string, string> InvalidRequests => new()
    {
        { """{"name": "", "url": "https://example.test/e"}""", "name", "non-empty string" },
        { """{"name": "N", "url": "ftp://example.test/e"}""", "url", "absolute http or https URL" },
        { """{"name": "N", "url": "https://user:s3cret@example.test/e"}""", "url", "must not contain a user name or password" },
        { """{"name": "N", "url": "https://token@example.test/e"}""", "url", "Send credentials as a header in 'headers'" },
        { $$"""{"name": "{{string.Concat(Enumerable.Repeat("😀", 257))}}", "url": "https://example.test/e"}""", "name", "at most 256 characters, not 257" },
        { """{"name": "N", "url": "https://example.test/e", "signingSecret": "short"}""", "signingSecret", "16 to 256 characters, not 5" },
        { """{"name": "N", "url": "https://example.test/e", "signingSecret": "0123456789abcdef", "sourceIds": ["src_missing"]}""",
            "sourceIds[0]", "no source \"src_missing\"" },
        { Valid(""", "headers": {"Sendora-Signature": "x"}"""), "headers.Sendora-Signature", "set by Sendora" },
        { Valid(""", "filter": {"eventTypes": ["click"]}"""), "filter.eventTypes[0]", "track, identify, page, screen, group, alias" },
        { Valid(""", "mapping": {"drop": ["messageId"]}"""), "mapping.drop[0]", "cannot rename or drop messageId" },
        { Valid(""", "mapping": {"rename": {"properties..x": "y"}}"""), "mapping.rename.properties..x", "1 to 256 characters" },
        { Valid(""", "batchSize": 5000"""), "batchSize", "from 1 to 1,000, not 5,000" },
        { Valid(""", "maxBatchAgeMs": -1"""), "maxBatchAgeMs", "from 0 to 3,600,000, not -1" },
        { Valid(""", "retryPeriodMinutes": 20000"""), "retryPeriodMinutes", "from 1 to 10,080, not 20,000" },
        { Valid(""", "audienceEvents": {"enabled": true, "audienceIds": ["nope"]}"""), "audienceEvents.audienceIds[0]", "no audience \"nope\"" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Create_InvalidField_NamesFieldAndLimit(string body, string field, string expected)
    {
        var json = body.Replace("SOURCE", fixture.SourceId, StringComparison.Ordinal);
        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, Path, json);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(field, problem.RootElement.GetProperty("field").GetString());
        Assert.Contains(expected, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_InvalidWhere_ListsConditionErrors()
    {
        var json = Valid(""", "filter": {"where": {"property": "total", "operator": "is", "value": 1}}""")
            .Replace("SOURCE", fixture.SourceId, StringComparison.Ordinal);
        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, Path, json);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(text);
        var error = problem.RootElement.GetProperty("errors")[0];
        Assert.Equal("$.filter.where.operator", error.GetProperty("path").GetString());
        Assert.Contains("operator", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Destination_CreateUpdateDelete_HidesSecretAndAudits()
    {
        var json = Valid(""", "id": "crud", "headers": {"Authorization": "Bearer abc"}""")
            .Replace("SOURCE", fixture.SourceId, StringComparison.Ordinal);
        using (var created = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, Path, json))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var text = await created.Content.ReadAsStringAsync();
            Assert.DoesNotContain("0123456789abcdef", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Bearer abc", text, StringComparison.Ordinal);
            using var view = JsonDocument.Parse(text);
            Assert.Equal("…cdef", view.RootElement.GetProperty("signingSecret").GetString());
        }

        using (var conflict = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, Path, json))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        }

        var update = $$"""{"name": "Renamed", "sourceIds": ["{{fixture.SourceId}}"], "url": "https://example.test/other", "batchSize": 10}""";
        using (var updated = await fixture.Server.SendAsAdminAsync(HttpMethod.Put, $"{Path}/crud", update))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            using var view = JsonDocument.Parse(await updated.Content.ReadAsStringAsync());
            Assert.Equal("Renamed", view.RootElement.GetProperty("name").GetString());
            Assert.Equal("…cdef", view.RootElement.GetProperty("signingSecret").GetString());
            Assert.Equal(10, view.RootElement.GetProperty("batchSize").GetInt32());
        }

        var stats = await fixture.GetDestinationAsync("crud");
        Assert.Equal(0, stats.GetProperty("counts").GetProperty("delivered").GetInt32());

        using (var deleted = await fixture.Server.SendAsAdminAsync(HttpMethod.Delete, $"{Path}/crud", "{}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using (var missing = await fixture.Server.GetAsAdminAsync($"{Path}/crud"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using var audit = await fixture.Server.GetAsAdminAsync("/admin/v1/workspaces/default/audit?limit=100");
        var log = await audit.Content.ReadAsStringAsync();
        Assert.Contains("destination.create", log, StringComparison.Ordinal);
        Assert.Contains("destination.update", log, StringComparison.Ordinal);
        Assert.Contains("destination.delete", log, StringComparison.Ordinal);
        Assert.DoesNotContain("0123456789abcdef", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_NameOf256Emoji_IsAccepted()
    {
        var name = string.Concat(Enumerable.Repeat("😀", 256));
        var json = Valid(""", "id": "emoji-name", "enabled": false, "filter": {"eventNames": ["EVENT"]}""")
            .Replace("https://example.test/e", "http://127.0.0.1:9/e", StringComparison.Ordinal)
            .Replace("\"N\"", $"\"{name}\"", StringComparison.Ordinal)
            .Replace("EVENT", name, StringComparison.Ordinal)
            .Replace("SOURCE", fixture.SourceId, StringComparison.Ordinal);

        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, Path, json);
        var text = await response.Content.ReadAsStringAsync();
        using var deleted = await fixture.Server.SendAsAdminAsync(HttpMethod.Delete, $"{Path}/emoji-name", "{}");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var view = JsonDocument.Parse(text);
        Assert.Equal(name, view.RootElement.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task Create_UrlWithPassword_DoesNotEchoIt()
    {
        var json = Valid("").Replace("https://example.test/e", "https://user:s3cret@example.test/e", StringComparison.Ordinal)
            .Replace("SOURCE", fixture.SourceId, StringComparison.Ordinal);

        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, Path, json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("s3cret", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoredUrlWithPassword_IsMasked()
    {
        // Create and update reject such a URL, so the destination is stored through the grain, as one saved before
        // that check was.
        var workspace = fixture.Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IWorkspaceGrain>("default");
        var destination = new DestinationDefinition
        {
            Id = "userinfo",
            Name = "Userinfo",
            SourceIds = [fixture.SourceId],
            Enabled = false,
            Url = "http://user:s3cret@127.0.0.1:9/hook?a=1",
            SigningSecret = "0123456789abcdef",
        };
        await workspace.SaveDestinationAsync(destination, AuditStamp.New("test", DateTimeOffset.UtcNow)
            .ToEntry("destination.create", "workspaces/default/destinations/userinfo", null, null));

        var view = (await fixture.GetDestinationAsync("userinfo")).GetProperty("destination");
        using var list = await fixture.Server.GetAsAdminAsync(Path);
        var listText = await list.Content.ReadAsStringAsync();
        using var deleted = await fixture.Server.SendAsAdminAsync(HttpMethod.Delete, $"{Path}/userinfo", "{}");
        using var audit = await fixture.Server.GetAsAdminAsync(
            "/admin/v1/workspaces/default/audit?action=destination.delete&target=workspaces/default/destinations/userinfo");
        var auditText = await audit.Content.ReadAsStringAsync();

        Assert.Equal("http://********@127.0.0.1:9/hook?a=1", view.GetProperty("url").GetString());
        Assert.DoesNotContain("s3cret", listText, StringComparison.Ordinal);
        Assert.Contains("********@127.0.0.1", listText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Contains("********@127.0.0.1", auditText, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", auditText, StringComparison.Ordinal);
    }

    private static string Valid(string extra) =>
        $$"""{"name": "N", "url": "https://example.test/e", "signingSecret": "0123456789abcdef", "sourceIds": ["SOURCE"]{{extra}}}""";
}
