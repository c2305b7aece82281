using System.Text.Json;
using Sendora.Grains.Inspection;

namespace Sendora.Tests.Inspection;

public sealed class GrainStateJsonTests
{
    [Fact]
    public void Write_JsonTextMembers_ShowsThemAsJson()
    {
        var state = new
        {
            Traits = new Dictionary<string, string> { ["plan"] = "\"pro\"", ["address"] = """{"city":"Oslo"}""" },
            PropertiesJson = """{"total":12}""",
            Json = "not json",
            Name = """{"stays":"text"}""",
        };

        using var document = JsonDocument.Parse(GrainStateJson.Write(state, maxItems: 10).Json);

        var root = document.RootElement;
        Assert.Equal("pro", root.GetProperty("traits").GetProperty("plan").GetString());
        Assert.Equal("Oslo", root.GetProperty("traits").GetProperty("address").GetProperty("city").GetString());
        Assert.Equal(12, root.GetProperty("propertiesJson").GetProperty("total").GetInt32());
        Assert.Equal("not json", root.GetProperty("json").GetString());
        Assert.Equal(JsonValueKind.String, root.GetProperty("name").ValueKind);
    }

    [Fact]
    public void Write_LongCollections_CutsAndListsThem()
    {
        var state = new
        {
            Events = Enumerable.Range(0, 5).ToList(),
            Members = Enumerable.Range(0, 4).ToDictionary(i => $"p{i}", i => new { Since = i }),
            Short = new[] { 1, 2 },
        };

        var (json, truncated) = GrainStateJson.Write(state, maxItems: 3);

        using var document = JsonDocument.Parse(json);
        Assert.Equal([0, 1, 2], document.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(["p0", "p1", "p2"], document.RootElement.GetProperty("members").EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, document.RootElement.GetProperty("short").GetArrayLength());
        Assert.Equal(
            [new TruncatedCollection("$.events", 5, 3), new TruncatedCollection("$.members", 4, 3)],
            truncated);
    }
}
