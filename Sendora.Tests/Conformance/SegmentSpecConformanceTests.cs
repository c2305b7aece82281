using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Tracking;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Conformance;

/// <summary>
/// Sends every payload of the corpus, unchanged, to the endpoint its manifest names. Each payload gets
/// a workspace of its own, because several examples share user ids and messageIds and would otherwise
/// be dropped as duplicates of one another.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class SegmentSpecConformanceTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    public static TheoryData<string> IdentifiedPayloads => SpecCorpus.Files(e => (e.IsMessage || e.IsBatch) && e.HasIdentity);

    public static TheoryData<string> AnonymousPayloads => SpecCorpus.Files(e => e.IsMessage && !e.HasIdentity);

    /// <summary>Messages such as <c>delete</c> that Segment sends to destinations, which are no call type to accept.</summary>
    public static TheoryData<string> OutboundPayloads =>
        SpecCorpus.Files(e => !e.IsMessage && !e.IsBatch && e.Endpoint.StartsWith("/v1/", StringComparison.Ordinal)
            && e.CallType != "settings");

    public static TheoryData<string> SettingsDocuments => SpecCorpus.Files(e => e.CallType == "settings");

    [Theory]
    [MemberData(nameof(IdentifiedPayloads))]
    public async Task Payload_WithIdentity_IsStoredInProfile(string file)
    {
        if (file.Length == 0)
        {
            return;
        }

        var entry = SpecCorpus.Entry(file);
        var messages = Messages(entry).ToArray();
        var broken = messages.Select(m => BrokenRule(m.Item, m.Type)).ToArray();
        var (workspaceId, writeKey) = await NewWorkspaceAsync();

        var response = await _server.SendAsync(PostPayload(entry, writeKey));

        if (!entry.IsBatch && broken[0] is { } code)
        {
            // The manifest only marks identity: an example that breaks another rule of its call type is rejected.
            await response.ReadErrorAsync(HttpStatusCode.BadRequest, code);
            return;
        }

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var result = await JsonAssert.ReadAsync(response);
        var rejected = result.TryGetProperty("rejected", out var list)
            ? list.EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("code").GetString())).ToArray()
            : [];
        var expected = broken.Select((c, i) => (i, c)).Where(r => r.c is not null).ToArray();
        Assert.Equal(expected, rejected);
        for (var index = 0; index < messages.Length; index++)
        {
            var (item, type) = messages[index];
            var externalId = ExternalIdOf(item);
            var events = await _server.GetEventsAsync(externalId, workspaceId);
            Assert.True(broken[index] is not null || events.Any(e => Matches(e, item, type)),
                $"{file}: no {type} event for {externalId} among {events.Length} events");
        }
    }

    [Theory]
    [MemberData(nameof(AnonymousPayloads))]
    public async Task Payload_WithoutIdentity_IsRejectedAsMissingIdentity(string file)
    {
        if (file.Length == 0)
        {
            return;
        }

        var entry = SpecCorpus.Entry(file);
        var (_, writeKey) = await NewWorkspaceAsync();

        var response = await _server.SendAsync(PostPayload(entry, writeKey));

        await response.ReadErrorAsync(HttpStatusCode.BadRequest, "missing_identity");
    }

    [Theory]
    [MemberData(nameof(OutboundPayloads))]
    public async Task OutboundMessage_IsNotAccepted(string file)
    {
        if (file.Length == 0)
        {
            return;
        }

        var entry = SpecCorpus.Entry(file);
        var (workspaceId, writeKey) = await NewWorkspaceAsync();
        using var payload = JsonDocument.Parse(SpecCorpus.ReadBytes(file));
        var batch = $"{{\"batch\":[{payload.RootElement.GetRawText()}]}}";

        var direct = await _server.SendAsync(PostPayload(entry, writeKey));
        var batched = await _server.SendAsync(Post("/v1/batch", batch).WithWriteKey(writeKey));

        Assert.InRange((int)direct.StatusCode, 400, 499);
        var error = await batched.ReadErrorAsync(HttpStatusCode.BadRequest, "all_rejected");
        var rejected = Assert.Single(error.GetProperty("rejected").EnumerateArray());
        Assert.Equal("invalid_type", rejected.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync(ExternalIdOf(payload.RootElement), workspaceId));
    }

    [Theory]
    [MemberData(nameof(SettingsDocuments))]
    public async Task SettingsDocument_HasShapeAnalyticsJsAccepts(string file)
    {
        if (file.Length == 0)
        {
            return;
        }

        using var accepted = JsonDocument.Parse(SpecCorpus.ReadBytes(file));
        var (_, writeKey) = await NewWorkspaceAsync();

        var response = await _server.Http.GetAsync($"/v1/projects/{writeKey}/settings");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var served = await JsonAssert.ReadAsync(response);
        Assert.Equal(writeKey, served.GetProperty("integrations").GetProperty("Segment.io").GetProperty("apiKey").GetString());
        AssertSameKinds(accepted.RootElement, served, file);
        AssertSameKinds(
            accepted.RootElement.GetProperty("integrations").GetProperty("Segment.io"),
            served.GetProperty("integrations").GetProperty("Segment.io"),
            file + " integrations.Segment.io");
    }

    private async Task<(string WorkspaceId, string WriteKey)> NewWorkspaceAsync()
    {
        var workspaceId = "spec-" + Guid.NewGuid().ToString("N");
        return (workspaceId, await _server.CreateWorkspaceAsync(workspaceId));
    }

    // The browser library posts to the one-letter paths as text/plain. Every other sender posts JSON.
    private static HttpRequestMessage PostPayload(ManifestEntry entry, string writeKey) =>
        Post(entry.Endpoint, SpecCorpus.ReadBytes(entry.File), entry.Endpoint.Length == 4 ? "text/plain" : "application/json")
            .WithWriteKey(writeKey);

    /// <summary>Returns each message of a payload with the type it is stored as: the path's, or the item's in a batch.</summary>
    private static IEnumerable<(JsonElement Item, string Type)> Messages(ManifestEntry entry)
    {
        using var payload = JsonDocument.Parse(SpecCorpus.ReadBytes(entry.File));
        if (!entry.IsBatch)
        {
            yield return (payload.RootElement.Clone(), entry.CallType);
            yield break;
        }

        foreach (var item in payload.RootElement.GetProperty("batch").EnumerateArray())
        {
            yield return (item.Clone(), item.GetProperty("type").GetString()!);
        }
    }

    /// <summary>Returns the external id a message is stored under: its userId when set, else its anonymousId.</summary>
    private static string ExternalIdOf(JsonElement item)
    {
        foreach (var (field, type) in (ReadOnlySpan<(string, string)>)[("userId", "user_id"), ("anonymousId", "anonymous_id")])
        {
            if (item.TryGetProperty(field, out var value)
                && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
                && !string.IsNullOrWhiteSpace(value.ToString()))
            {
                return $"{type}:{value}";
            }
        }

        throw new InvalidOperationException($"The message has neither userId nor anonymousId: {item}");
    }

    /// <summary>
    /// Returns the error code of the call-type rule that a message with an identity breaks, or null:
    /// track needs an event, group a groupId, and alias a previousId.
    /// </summary>
    private static string? BrokenRule(JsonElement item, string type) => type switch
    {
        "track" when !(item.TryGetProperty("event", out var name) && name.ValueKind == JsonValueKind.String && HasText(item, "event"))
            => "missing_event",
        "group" when !HasText(item, "groupId") => "missing_group_id",
        "alias" when !HasText(item, "previousId") => "missing_previous_id",
        _ => null,
    };

    private static bool HasText(JsonElement item, string field) =>
        item.TryGetProperty(field, out var value)
        && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
        && !string.IsNullOrWhiteSpace(value.ToString());

    private static bool Matches(JsonElement stored, JsonElement item, string type)
    {
        if (item.TryGetProperty("messageId", out var messageId) && messageId.ValueKind == JsonValueKind.String)
        {
            return stored.GetProperty("messageId").GetString() == messageId.GetString();
        }

        if (stored.GetProperty("type").GetString() != type)
        {
            return false;
        }

        return type != "track" || stored.GetProperty("event").GetString() == item.GetProperty("event").GetString();
    }

    /// <summary>Asserts that each property both objects have is of the same JSON kind in both.</summary>
    private static void AssertSameKinds(JsonElement accepted, JsonElement served, string context)
    {
        foreach (var property in accepted.EnumerateObject())
        {
            if (served.TryGetProperty(property.Name, out var value))
            {
                Assert.True(Kind(property.Value) == Kind(value),
                    $"{context}: \"{property.Name}\" is {Kind(value)}, analytics.js accepts {Kind(property.Value)}");
            }
        }
    }

    /// <summary>Returns the kind of a value, with true and false as one boolean kind.</summary>
    private static JsonValueKind Kind(JsonElement element) =>
        element.ValueKind == JsonValueKind.False ? JsonValueKind.True : element.ValueKind;
}
