using System.Text.Json;
using Sendora.Grains.Destinations;

namespace Sendora.Tests.Destinations;

public sealed class DestinationRulesTests
{
    [Theory]
    [InlineData("""{"type": "track"}""", true)]
    [InlineData("""{"type": "track", "integrations": {}}""", true)]
    [InlineData("""{"type": "track", "integrations": {"All": false}}""", false)]
    [InlineData("""{"type": "track", "integrations": {"All": false, "Hook": true}}""", true)]
    [InlineData("""{"type": "track", "integrations": {"All": false, "Hook": {"apiKey": "k"}}}""", true)]
    [InlineData("""{"type": "track", "integrations": {"Hook": false}}""", false)]
    [InlineData("""{"type": "track", "integrations": {"All": true, "Hook": false}}""", false)]
    [InlineData("""{"type": "track", "integrations": {"All": false, "hook": true}}""", false)]
    public void Integrations_FollowSegmentRules(string message, bool expected)
    {
        using var document = JsonDocument.Parse(message);

        Assert.Equal(expected, DestinationRules.IsEnabledByIntegrations("Hook", document.RootElement));
    }

    [Fact]
    public void Map_RenamesThenDrops()
    {
        var mapping = new DestinationMapping
        {
            Rename = new Dictionary<string, string> { ["properties.total"] = "properties.revenue", ["userId"] = "context.user.id", ["absent"] = "x" },
            Drop = ["context.ip", "properties.missing.deep"],
        };

        var mapped = DestinationRules.Map(mapping, """{"userId": "u1", "properties": {"total": 9.5}, "context": {"ip": "1.2.3.4", "locale": "fr"}}""");

        using var document = JsonDocument.Parse(mapped);
        var root = document.RootElement;
        Assert.False(root.TryGetProperty("userId", out _));
        Assert.False(root.TryGetProperty("x", out _));
        Assert.Equal(9.5, root.GetProperty("properties").GetProperty("revenue").GetDouble());
        Assert.False(root.GetProperty("properties").TryGetProperty("total", out _));
        Assert.Equal("u1", root.GetProperty("context").GetProperty("user").GetProperty("id").GetString());
        Assert.False(root.GetProperty("context").TryGetProperty("ip", out _));
        Assert.Equal("fr", root.GetProperty("context").GetProperty("locale").GetString());
    }

    [Fact]
    public void Accepts_AppliesSourceTypeNameAndWhere()
    {
        var destination = new DestinationDefinition
        {
            Id = "d",
            Name = "Hook",
            SourceIds = ["src_a"],
            Url = "https://example.test",
            SigningSecret = "0123456789abcdef",
            Filter = new DestinationFilter
            {
                EventTypes = ["track", "page"],
                EventNames = ["Order Completed", "Pricing"],
                WhereJson = """{"property": "total", "operator": "at_least", "value": 10}""",
            },
        };
        var now = DateTimeOffset.UtcNow;

        Assert.True(Accepts(destination, "src_a", """{"type": "track", "event": "Order Completed", "properties": {"total": 10}}""", now));
        Assert.True(Accepts(destination, "src_a", """{"type": "page", "name": "Pricing", "properties": {"total": 12}}""", now));
        Assert.False(Accepts(destination, "src_b", """{"type": "track", "event": "Order Completed", "properties": {"total": 10}}""", now));
        Assert.False(Accepts(destination, "src_a", """{"type": "track", "event": "Order Completed", "properties": {"total": 9}}""", now));
        Assert.False(Accepts(destination, "src_a", """{"type": "track", "event": "Order Completed"}""", now));
        Assert.False(Accepts(destination, "src_a", """{"type": "track", "event": "Signed Up", "properties": {"total": 10}}""", now));
        Assert.False(Accepts(destination, "src_a", """{"type": "identify", "traits": {}}""", now));
        Assert.False(Accepts(destination with { Enabled = false }, "src_a",
            """{"type": "track", "event": "Order Completed", "properties": {"total": 10}}""", now));
    }

    private static bool Accepts(DestinationDefinition destination, string sourceId, string json, DateTimeOffset now)
    {
        using var document = JsonDocument.Parse(json);
        return DestinationRules.Accepts(destination, sourceId, document.RootElement, now);
    }
}
