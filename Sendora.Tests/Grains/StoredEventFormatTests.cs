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

    // A ProfileState written while Orleans wrote the recent and history events as lists of objects: three events share
    // one id list, the first comes from source src-a and the others from src-b, and the last two are in the history.
    private const string ListState =
        "IMABITABMSzULh1TdHJpbmdDb21wYXJlcgADAQHgAQNBCXBsYW5ACyJwcm8i4CE4AwADAQHg4CHgITgDAAMBAeDgIQAHIehABW0w"
        + "IYAAIIwQinfeCIEAAAAAAAAAAOBBC3NyYy1hwQExAVnRtylXU3lzdGVtLkNvbGxlY3Rpb25zLkdlbmVyaWMuTGlzdGAxW1tzdHJp"
        + "bmddXQAFQRV1c2VyX2lkOnUxQB9hbm9ueW1vdXNfaWQ6YTHgQWt7InR5cGUiOiJ0cmFjayIsImV2ZW50IjoiT3JkZXIiLCJwcm9w"
        + "ZXJ0aWVzIjp7Im4iOjB9feAg6EAFbTEhgABmTzSKd94IgQAAAAAAAAAA4EELc3JjLWLBAdkFOUFreyJ0eXBlIjoidHJhY2siLCJl"
        + "dmVudCI6Ik9yZGVyIiwicHJvcGVydGllcyI6eyJuIjoxfX3gIOhABW0yIYAArBJYinfeCIEAAAAAAAAAAODBTcEB2QU5QWt7InR5"
        + "cGUiOiJ0cmFjayIsImV2ZW50IjoiT3JkZXIiLCJwcm9wZXJ0aWVzIjp7Im4iOjJ9feDgIeDBAcEBAQ0BASHgwQEh4AEBISA4AwAD"
        + "AQHg4CHgAQEBASEABSHoQAVtMUELdHJhY2tBC09yZGVyIYAAZk80infeCIEAAAAAAAAAAODBAUEPeyJuIjoxfeAg6EAFbTLBkcGT"
        + "IYAArBJYinfeCIEAAAAAAAAAAODBAUEPeyJuIjoyfeDgwQEhOAMAAwEB4OAhOAMAAwEB4ODgAQEhIOABASE4AwADAQHg4AEB4CEg"
        + "4OABAUEB4A==";

    [Fact]
    public void ProfileState_WrittenWithTrackedEvents_Loads()
    {
        var state = Serializer.Deserialize<ProfileState>(Convert.FromBase64String(TrackedState))
            ?? throw new InvalidOperationException("Deserialized null.");

        AssertOrderSample(state);
        Assert.All(state.RecentEvents, e => Assert.Equal(["user_id:u1", "anonymous_id:a1"], e.ExternalIds));
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

    [Fact]
    public void ProfileState_WrittenAsOrleansLists_Loads()
    {
        var state = Serializer.Deserialize<ProfileState>(Convert.FromBase64String(ListState))
            ?? throw new InvalidOperationException("Deserialized null.");

        AssertOrderSample(state);
        Assert.Equal(["src-a", "src-b", "src-b"], state.RecentEvents.Select(e => e.SourceId));
        Assert.Equal(["user_id:u1", "anonymous_id:a1"], state.RecentEvents[0].ExternalIds);
        Assert.Same(state.RecentEvents[0].ExternalIds, state.RecentEvents[2].ExternalIds);

        var again = RoundTrip(state);
        Assert.Equal(state.RecentEvents.Select(e => e.Json), again.RecentEvents.Select(e => e.Json));
        Assert.Equal(["src-a", "src-b", "src-b"], again.RecentEvents.Select(e => e.SourceId));
        Assert.Same(again.RecentEvents[0].ExternalIds, again.RecentEvents[2].ExternalIds);
        Assert.Equal(["m1", "m2"], again.Audiences.History.Select(e => e.MessageId));
        Assert.Equal("""{"n":1}""", again.Audiences.History[0].PropertiesJson);
    }

    [Fact]
    public void EventLists_RoundTrip_KeepEveryField()
    {
        var india = new DateTimeOffset(2026, 3, 1, 17, 30, 0, TimeSpan.FromMinutes(330));
        var pacific = new DateTimeOffset(2026, 3, 1, 4, 0, 0, TimeSpan.FromHours(-8));
        var state = new ProfileState
        {
            RecentEvents =
            [
                new StoredEvent("m1", india, "src", UnicodeEnvelope) { ExternalIds = [] },
                new StoredEvent("m2", pacific, null!, """{"type":"track"}""") { ExternalIds = new List<string> { "user_id:ü" } },
                LegacyEvent("""{"type":"page"}""") with { MessageId = "m3" },
            ],
        };
        state.Audiences.History.Add(new HistoryEvent("m1", "track", "Café ☕", india, Encoding.UTF8.GetBytes("""{"note":"😀"}""")));
        state.Audiences.History.Add(new HistoryEvent("m2", "screen", "", pacific, Encoding.UTF8.GetBytes("{}")));

        var loaded = RoundTrip(state);

        Assert.Equal(["m1", "m2", "m3"], loaded.RecentEvents.Select(e => e.MessageId));
        Assert.Equal([india, pacific, Start], loaded.RecentEvents.Select(e => e.Timestamp));
        Assert.Equal(TimeSpan.FromMinutes(330), loaded.RecentEvents[0].Timestamp.Offset);
        Assert.Equal(TimeSpan.FromHours(-8), loaded.RecentEvents[1].Timestamp.Offset);
        Assert.Equal("src", loaded.RecentEvents[0].SourceId);
        Assert.Null(loaded.RecentEvents[1].SourceId);
        Assert.Empty(loaded.RecentEvents[0].ExternalIds);
        Assert.Equal(["user_id:ü"], loaded.RecentEvents[1].ExternalIds);
        Assert.Equal(["user_id:u1"], loaded.RecentEvents[2].ExternalIds);
        Assert.Equal(UnicodeEnvelope, loaded.RecentEvents[0].Json);
        Assert.Equal("""{"type":"page"}""", loaded.RecentEvents[2].Json);
        Assert.All(loaded.RecentEvents, e => Assert.Null(e.LegacyJson));
        Assert.Equal(["Café ☕", ""], loaded.Audiences.History.Select(e => e.Name));
        Assert.Equal(["track", "screen"], loaded.Audiences.History.Select(e => e.Type));
        Assert.Equal(pacific, loaded.Audiences.History[1].Timestamp);
        Assert.Equal("""{"note":"😀"}""", loaded.Audiences.History[0].PropertiesJson);
    }

    [Fact]
    public void EventLists_RoundTrip_ShareRepeatedStrings()
    {
        var state = new ProfileState();
        for (var i = 0; i < 40; i++)
        {
            // Equal ids in lists of their own, and source ids and names in strings of their own.
            state.RecentEvents.Add(new StoredEvent($"m{i}", Start.AddSeconds(i), string.Concat("src-", (i % 2).ToString()), "{}")
            {
                ExternalIds = new List<string> { "user_id:u1" },
            });
            state.Audiences.History.Add(new HistoryEvent($"m{i}", "track", string.Concat("Order ", (i % 3).ToString()), Start, [1]));
        }

        var loaded = RoundTrip(state);

        Assert.Equal(40, loaded.RecentEvents.Count);
        Assert.All(loaded.RecentEvents, e => Assert.Same(loaded.RecentEvents[0].ExternalIds, e.ExternalIds));
        Assert.Same(loaded.RecentEvents[0].SourceId, loaded.RecentEvents[38].SourceId);
        Assert.Same(loaded.RecentEvents[1].SourceId, loaded.RecentEvents[39].SourceId);
        Assert.Equal("src-1", loaded.RecentEvents[39].SourceId);
        Assert.Same(loaded.Audiences.History[0].Name, loaded.Audiences.History[39].Name);
        Assert.Same(loaded.Audiences.History[0].Type, loaded.Audiences.History[38].Type);
        Assert.Equal("Order 2", loaded.Audiences.History[38].Name);
    }

    [Fact]
    public void EventLists_ManyDistinctStrings_RoundTrip()
    {
        // More distinct source ids and names than a list shares, so the later ones are written in full each time.
        var state = new ProfileState();
        for (var i = 0; i < 60; i++)
        {
            state.RecentEvents.Add(new StoredEvent($"m{i}", Start, $"src-{i % 30}", "{}"));
            state.Audiences.History.Add(new HistoryEvent($"m{i}", $"type-{i % 25}", $"name-{i}", Start, [1]));
        }

        var loaded = RoundTrip(state);

        Assert.Equal(state.RecentEvents.Select(e => e.SourceId), loaded.RecentEvents.Select(e => e.SourceId));
        Assert.Equal(state.Audiences.History.Select(e => e.Type), loaded.Audiences.History.Select(e => e.Type));
        Assert.Equal(state.Audiences.History.Select(e => e.Name), loaded.Audiences.History.Select(e => e.Name));
    }

    [Fact]
    public void ProfileState_ManyEvents_WritesWithoutTrackingThem()
    {
        // Orleans' serializer tracked each event's strings and arrays in a dictionary that every write built again:
        // about 30 KB allocated for 100 events. The lists are now written without it.
        var state = new ProfileState();
        var ids = new List<string> { "user_id:u1" };
        for (var i = 0; i < 100; i++)
        {
            state.RecentEvents.Add(new StoredEvent(Guid.NewGuid().ToString(), Start.AddSeconds(i), "src", """{"type":"track"}""") { ExternalIds = ids });
            state.Audiences.History.Add(new HistoryEvent(state.RecentEvents[i].MessageId, "track", "Order", Start.AddSeconds(i), [1]));
        }

        var serializer = _services.GetRequiredService<Serializer<ProfileState>>();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(65_536);
        for (var i = 0; i < 3; i++)
        {
            buffer.ResetWrittenCount();
            serializer.Serialize(state, buffer);
        }

        buffer.ResetWrittenCount();
        var before = GC.GetAllocatedBytesForCurrentThread();
        serializer.Serialize(state, buffer);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 4_096, $"Writing a state of 100 events allocated {allocated} bytes.");
    }

    [Theory]
    [InlineData("string", new byte[] { 0x05, 0x61 }, "a string of 4 bytes at offset 1")]
    [InlineData("bytes", new byte[] { 0x03 }, "a length of 3 at offset 1, past its end at 1")]
    [InlineData("repeated", new byte[] { 0x02 }, "repeated string 2 at offset 1, but holds 0")]
    [InlineData("timestamp", new byte[] { 0x01, 0x02 }, "ends at 2 bytes, inside a value of 8 bytes")]
    [InlineData("string", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "longer than 10 bytes")]
    public void EventBlobReader_InvalidData_Throws(string value, byte[] data, string expected)
    {
        var exception = Assert.Throws<InvalidDataException>(() =>
        {
            var reader = new EventBlobReader(data);
            _ = value switch
            {
                "string" => reader.ReadString(),
                "bytes" => reader.ReadBytes(),
                "repeated" => reader.ReadRepeatedString(),
                _ => (object)reader.ReadTimestamp(),
            };
        });

        Assert.Contains(expected, exception.Message);
    }

    // The content both stored fixtures share: three Order tracks one minute apart, the last two in the history.
    private static void AssertOrderSample(ProfileState state)
    {
        Assert.Equal(["m0", "m1", "m2"], state.RecentEvents.Select(e => e.MessageId));
        Assert.Equal("""{"type":"track","event":"Order","properties":{"n":2}}""", state.RecentEvents[2].Json);
        Assert.Equal(Start.AddMinutes(1), state.RecentEvents[1].Timestamp);
        Assert.Equal(["m1", "m2"], state.Audiences.History.Select(e => e.MessageId));
        Assert.Equal("""{"n":2}""", state.Audiences.History[1].PropertiesJson);
        Assert.Equal("Order", state.Audiences.History[1].Name);
        Assert.Equal("\"pro\"", state.Traits["plan"]);
    }

    private static StoredEvent LegacyEvent(string json) => new("m1", Start, "src", [])
    {
        Utf8Json = null,
        LegacyJson = json,
        ExternalIds = ["user_id:u1"],
    };
}
