using System.Text;
using System.Text.Json;
using Sendora.Grains.Audiences;

namespace Sendora.Tests.Audiences.Language;

public sealed class EventFactTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Properties_Utf8Json_ParsedOnRead()
    {
        var fact = new EventFact("track", "Paid", Start, Encoding.UTF8.GetBytes("""{"city":"Zürich","total":12.5}"""));

        var properties = fact.Properties;

        Assert.Equal(JsonValueKind.Object, properties.ValueKind);
        Assert.Equal("Zürich", properties.GetProperty("city").GetString());
        Assert.Equal(12.5m, properties.GetProperty("total").GetDecimal());
    }

    [Fact]
    public void Properties_Invalid_ThrowOnRead()
    {
        var fact = new EventFact("track", "Paid", Start, Encoding.UTF8.GetBytes("{not json"));

        Assert.Equal("Paid", fact.Name);
        Assert.ThrowsAny<JsonException>(() => fact.Properties);
    }
}
