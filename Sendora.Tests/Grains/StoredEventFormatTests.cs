using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Sendora.Grains.Profiles;

namespace Sendora.Tests.Grains;

public sealed class StoredEventFormatTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    // Non-ASCII text as a client may send it: accents, CJK, an emoji outside the BMP, and escapes JSON keeps.
    private const string UnicodeEnvelope =
        """{"type":"track","event":"Café ☕","properties":{"city":"Zürich","note":"日本語 😀","quote":"a\"b\\c\u0001"}}""";

    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private Serializer Serializer => _services.GetRequiredService<Serializer>();

    private T RoundTrip<T>(T value) =>
        Serializer.Deserialize<T>(Serializer.SerializeToArray(value)) ?? throw new InvalidOperationException("Deserialized null.");

    public void Dispose() => _services.Dispose();

    // A ProfileState written while stored and history events were tracked by reference: three events share one id
    // list, and two history events share one event name.
    private const string TrackedState =
        "ICCAACCMEIp33giBAAAAAAAAAADgITABMSzULh1TdHJpbmdDb21wYXJlcgADAQHgAQNBCXBsYW5ACyJwcm8i4CE4AwADAQHg4CHg"
        + "ITgDAAMBAeDgIQAHIehABW0wIYAAIIwQinfeCIEAAAAAAAAAAOBBB3NyY8EBMQFZ0bcpV1N5c3RlbS5Db2xsZWN0aW9ucy5HZW5l"
        + "cmljLkxpc3RgMVtbc3RyaW5nXV0ABUEVdXNlcl9pZDp1MUAfYW5vbnltb3VzX2lkOmEx4EFreyJ0eXBlIjoidHJhY2siLCJldmVu"
        + "dCI6Ik9yZGVyIiwicHJvcGVydGllcyI6eyJuIjowfX3gIOhABW0xIYAAZk80infeCIEAAAAAAAAAAODBOcEB2QU9QWt7InR5cGUi"
        + "OiJ0cmFjayIsImV2ZW50IjoiT3JkZXIiLCJwcm9wZXJ0aWVzIjp7Im4iOjF9feAg6EAFbTIhgACsEliKd94IgQAAAAAAAAAA4ME5"
        + "wQHZBT1Ba3sidHlwZSI6InRyYWNrIiwiZXZlbnQiOiJPcmRlciIsInByb3BlcnRpZXMiOnsibiI6Mn194OAh4MEBwQEBDQEBIeDB"
        + "ASHgAQEhIDgDAAMBAeDgIeABAQEBIQAFIehABW0xQQt0cmFja0ELT3JkZXIhgABmTzSKd94IgQAAAAAAAAAA4MEBQQ97Im4iOjF9"
        + "4CDoQAVtMsGVwZchgACsEliKd94IgQAAAAAAAAAA4MEBQQ97Im4iOjJ94ODBASE4AwADAQHg4CE4AwADAQHg4OABASEg4AEBITgD"
        + "AAMBAeDgAQHgISDg4AEBQQHg";

    [Fact]
    public void ProfileState_WrittenWithTrackedEvents_Loads()
    {
        var state = Serializer.Deserialize<ProfileState>(Convert.FromBase64String(TrackedState))
            ?? throw new InvalidOperationException("Deserialized null.");

        Assert.Equal(["m0", "m1", "m2"], state.RecentEvents.Select(e => e.MessageId));
        Assert.All(state.RecentEvents, e => Assert.Equal(["user_id:u1", "anonymous_id:a1"], e.ExternalIds));
        Assert.Equal("""{"type":"track","event":"Order","properties":{"n":2}}""", state.RecentEvents[2].Json);
        Assert.Equal(Start.AddMinutes(1), state.RecentEvents[1].Timestamp);
        Assert.Equal(["m1", "m2"], state.Audiences.History.Select(e => e.MessageId));
        Assert.Equal("""{"n":2}""", state.Audiences.History[1].PropertiesJson);
        Assert.Equal("Order", state.Audiences.History[1].Name);
        Assert.Equal("\"pro\"", state.Traits["plan"]);
        Assert.Equal(3, state.AppliedCount);

        var again = RoundTrip(state);
        Assert.Equal(state.RecentEvents.Select(e => e.Json), again.RecentEvents.Select(e => e.Json));
        Assert.All(again.RecentEvents, e => Assert.Equal(["user_id:u1", "anonymous_id:a1"], e.ExternalIds));
        Assert.Equal(["m1", "m2"], again.Audiences.History.Select(e => e.MessageId));
    }

    [Fact]
    public void StoredEvent_LegacyText_LoadsAndCompacts()
    {
        // An event with only the text field set writes the field ids 0 to 4, which is how events were stored
        // before the UTF-8 field (id 5) existed.
        var legacy = LegacyEvent(UnicodeEnvelope);

        var loaded = RoundTrip(legacy);
        var compact = loaded.Compact();

        Assert.Equal(UnicodeEnvelope, loaded.Json);
        Assert.Null(compact.LegacyJson);
        Assert.Equal(Encoding.UTF8.GetBytes(UnicodeEnvelope), compact.Utf8Json);
        Assert.Equal(UnicodeEnvelope, compact.Json);
        Assert.Equal(["user_id:u1"], compact.ExternalIds);
        Assert.Equal("m1", compact.MessageId);
        Assert.Equal(Start, compact.Timestamp);
        Assert.Equal("src", compact.SourceId);
    }

    [Fact]
    public void StoredEvent_LegacyText_ReadsAsUtf8()
    {
        var legacy = LegacyEvent(UnicodeEnvelope);

        Assert.Equal(Encoding.UTF8.GetBytes(UnicodeEnvelope), legacy.Envelope.ToArray());
        Assert.Equal(Encoding.UTF8.GetByteCount(UnicodeEnvelope), legacy.EnvelopeLength);
    }

    [Fact]
    public void StoredEvent_CompactForm_IsUnchangedByCompact()
    {
        var stored = new StoredEvent("m1", Start, "src", UnicodeEnvelope);

        Assert.Same(stored, stored.Compact());
        Assert.Null(stored.LegacyJson);
    }

    [Theory]
    [InlineData(UnicodeEnvelope)]
    [InlineData("""{"type":"track","properties":{}}""")]
    public void StoredEvent_Envelope_RoundTripsThroughOrleans(string json)
    {
        var stored = new StoredEvent("m1", Start, "src", json);

        var copy = RoundTrip(stored);

        Assert.Equal(json, copy.Json);
        Assert.Null(copy.LegacyJson);
        Assert.Equal(Encoding.UTF8.GetByteCount(json), copy.EnvelopeLength);
    }

    [Fact]
    public void StoredEvent_LargeEnvelope_RoundTripsThroughOrleans()
    {
        // About 29 KB, near the gateway's 32,768-byte message limit, with multi-byte characters throughout.
        var text = string.Concat(Enumerable.Repeat("ü日😀a", 2_900));
        var json = $$$"""{"type":"track","properties":{"text":"{{{text}}}"}}""";

        var copy = RoundTrip(new StoredEvent("m1", Start, "src", json));

        Assert.Equal(json, copy.Json);
        Assert.Equal(29_041, copy.EnvelopeLength);
    }

    [Fact]
    public void HistoryEvent_LegacyText_LoadsAndCompacts()
    {
        const string properties = """{"city":"Zürich","note":"😀"}""";
        var legacy = new HistoryEvent("m1", "track", "Paid", Start, [])
        {
            Utf8Properties = null,
            LegacyPropertiesJson = properties,
        };

        var loaded = RoundTrip(legacy);
        var compact = loaded.Compact();

        Assert.Equal(properties, loaded.PropertiesJson);
        Assert.Null(compact.LegacyPropertiesJson);
        Assert.Equal(Encoding.UTF8.GetBytes(properties), compact.Utf8Properties);
        Assert.Equal(Encoding.UTF8.GetByteCount(properties), compact.PropertiesLength);
        Assert.Equal("Paid", compact.Name);
        Assert.Equal("track", compact.Type);
    }

    [Fact]
    public void ProfileState_LegacyEvents_ConvertOnLoad()
    {
        var state = new ProfileState { RecentEvents = [LegacyEvent(UnicodeEnvelope)] };
        state.Audiences.History.Add(new HistoryEvent("m1", "track", "Paid", Start, [])
        {
            Utf8Properties = null,
            LegacyPropertiesJson = """{"city":"Zürich"}""",
        });
        var loaded = RoundTrip(state);

        loaded.CompactLegacyEvents();

        var stored = Assert.Single(loaded.RecentEvents);
        Assert.Null(stored.LegacyJson);
        Assert.Equal(UnicodeEnvelope, stored.Json);
        var history = Assert.Single(loaded.Audiences.History);
        Assert.Null(history.LegacyPropertiesJson);
        Assert.Equal("""{"city":"Zürich"}""", history.PropertiesJson);
    }

    private static StoredEvent LegacyEvent(string json) => new("m1", Start, "src", [])
    {
        Utf8Json = null,
        LegacyJson = json,
        ExternalIds = ["user_id:u1"],
    };
}
