using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Clients;

/// <summary>
/// The identify, track, page, screen, group and alias calls that segment-node.mjs and rudder-node.mjs
/// send (built by buildSampleCalls in tools/clients/common.mjs), with fresh ids for one test, and the
/// checks that the profile API returns each of them as sent.
/// </summary>
public sealed record SampleCalls(string UserId, string AnonymousId, string GroupId, string MessageIdPrefix)
{
    public static readonly string[] Types = ["identify", "track", "page", "screen", "group", "alias"];

    // Client clocks and receivedAt are read at different moments, and stored values are cut to milliseconds.
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(1);

    /// <summary>Creates ids that no other test uses, prefixed with <paramref name="sdk"/>.</summary>
    public static SampleCalls Create(string sdk)
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        return new SampleCalls($"{sdk}-user-{run}", $"{sdk}-anon-{run}", $"{sdk}-group-{run}", $"{sdk}-{run}");
    }

    public string MessageId(string type) => $"{MessageIdPrefix}-{type}";

    /// <summary>Returns the command line arguments that make a client script send these calls to <paramref name="server"/>.</summary>
    public string[] Arguments(SendoraServer server) =>
    [
        "--host", server.BaseAddress.ToString().TrimEnd('/'),
        "--write-key", server.WriteKey,
        "--user", UserId,
        "--anon", AnonymousId,
        "--group-id", GroupId,
        "--message-id-prefix", MessageIdPrefix,
        "--timeout-ms", "30000",
    ];

    /// <summary>Asserts that the script's result line names the SDK and these messageIds.</summary>
    public void AssertReported(JsonElement result, string sdk)
    {
        Assert.Equal(sdk, result.GetProperty("sdk").GetString());
        var reported = result.GetProperty("messageIds");
        foreach (var type in Types)
        {
            Assert.Equal(MessageId(type), reported.GetProperty(type).GetString());
        }
    }

    /// <summary>
    /// Asserts that <paramref name="profile"/> contains exactly these six calls, each once and as sent,
    /// tagged with <paramref name="libraryName"/>, with timestamps from the time the client ran.
    /// </summary>
    public void AssertStored(StoredProfile profile, string libraryName, DateTimeOffset clientStarted, DateTimeOffset clientEnded)
    {
        Assert.Equal(Types.Select(MessageId).Order(), profile.MessageIds().Order());
        foreach (var type in Types)
        {
            var stored = profile.SingleEvent(MessageId(type));
            Assert.Equal(type, stored.GetProperty("type").GetString());
            AssertEnvelope(stored, type, libraryName, clientStarted - ClockTolerance, clientEnded + ClockTolerance);
        }

        AssertCallFields(profile);
        ClientAssert.JsonEqual(IdentifyTraits, profile.Traits, "Profile traits");

        var sourceId = profile.SingleEvent(MessageId("identify")).GetProperty("source_id").GetString();
        Assert.False(string.IsNullOrEmpty(sourceId), "Stored events have no source_id.");
        // The identify traits carry an email, which identity resolution attaches as an id too.
        Assert.Equal(
            ["anonymous_id:" + AnonymousId, $"email:{UserId.ToLowerInvariant()}@example.com", "user_id:" + UserId],
            profile.ExternalIdStrings().Order(StringComparer.Ordinal));
        foreach (var externalId in profile.ExternalIds)
        {
            Assert.Equal(sourceId, externalId.GetProperty("source_id").GetString());
            ClientAssert.Timestamp(externalId, "created_at", clientStarted - ClockTolerance, clientEnded + ClockTolerance);
        }
    }

    private string IdentifyTraits => $$"""{"name":"Ada Lovelace","email":"{{UserId}}@example.com","plan":"pro"}""";

    private void AssertEnvelope(
        JsonElement stored, string type, string libraryName, DateTimeOffset earliest, DateTimeOffset latest)
    {
        Assert.Equal(UserId, stored.GetProperty("userId").GetString());
        if (type == "alias")
        {
            Assert.Equal(AnonymousId, stored.GetProperty("previousId").GetString());
        }
        else
        {
            Assert.Equal(AnonymousId, stored.GetProperty("anonymousId").GetString());
        }

        Assert.Equal(libraryName, ClientAssert.StringAt(stored, "context.library.name"));
        Assert.False(string.IsNullOrEmpty(ClientAssert.StringAt(stored, "context.library.version")),
            $"context.library.version is empty in {stored}");

        var original = ClientAssert.Timestamp(stored, "originalTimestamp", earliest, latest);
        var timestamp = ClientAssert.Timestamp(stored, "timestamp", earliest, latest);
        var received = ClientAssert.Timestamp(stored, "receivedAt", earliest, latest);
        Assert.True(original <= received, $"originalTimestamp is after receivedAt in {stored}");
        Assert.True(timestamp <= received, $"timestamp is after receivedAt in {stored}");
        if (stored.TryGetProperty("sentAt", out _))
        {
            ClientAssert.Timestamp(stored, "sentAt", earliest, latest);
        }
    }

    private void AssertCallFields(StoredProfile profile)
    {
        var identify = profile.SingleEvent(MessageId("identify"));
        ClientAssert.JsonEqual(IdentifyTraits, identify.GetProperty("traits"), "identify traits");

        var track = profile.SingleEvent(MessageId("track"));
        Assert.Equal("Order Completed", track.GetProperty("event").GetString());
        ClientAssert.JsonEqual(
            """
            {"orderId":"order-1001","revenue":42.5,"currency":"USD",
             "products":[{"productId":"sku-1","quantity":2,"price":21.25}]}
            """,
            track.GetProperty("properties"),
            "track properties");

        var page = profile.SingleEvent(MessageId("page"));
        Assert.Equal("Pricing", page.GetProperty("name").GetString());
        Assert.Equal("Docs", page.GetProperty("category").GetString());
        Assert.Equal("/pricing", ClientAssert.StringAt(page, "properties.path"));
        Assert.Equal("Pricing", ClientAssert.StringAt(page, "properties.title"));

        var screen = profile.SingleEvent(MessageId("screen"));
        Assert.Equal("Home", screen.GetProperty("name").GetString());
        ClientAssert.JsonEqual("""{"variant":"dark"}""", screen.GetProperty("properties"), "screen properties");

        var group = profile.SingleEvent(MessageId("group"));
        Assert.Equal(GroupId, group.GetProperty("groupId").GetString());
        ClientAssert.JsonEqual(
            """{"name":"Acme Inc","plan":"enterprise","employees":120}""", group.GetProperty("traits"), "group traits");

        var alias = profile.SingleEvent(MessageId("alias"));
        Assert.Equal(UserId, alias.GetProperty("userId").GetString());
        Assert.Equal(AnonymousId, alias.GetProperty("previousId").GetString());
    }
}
