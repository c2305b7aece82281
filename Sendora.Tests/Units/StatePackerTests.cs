using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Sendora.Grains.Profiles;

namespace Sendora.Tests.Units;

public sealed class StatePackerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private Serializer<ProfileState> Serializer => _services.GetRequiredService<Serializer<ProfileState>>();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Unpack_PackedState_ReturnsEqualState()
    {
        var state = SeededState(events: 20);

        var unpacked = StatePacker.Unpack(Serializer, StatePacker.Pack(Serializer, state));

        Assert.Equal(Serializer.SerializeToArray(state), Serializer.SerializeToArray(unpacked));
        Assert.Equal(state.Traits, unpacked.Traits);
        Assert.Equal(20, unpacked.RecentEvents.Count);
        Assert.Equal(state.RecentEvents[7].Envelope.ToArray(), unpacked.RecentEvents[7].Envelope.ToArray());
        Assert.Equal(state.SeenMessageDigests.Span.ToArray(), unpacked.SeenMessageDigests.Span.ToArray());
    }

    [Fact]
    public void Pack_SeededState_IsSmallerThanSerialized()
    {
        var state = SeededState(events: 20);

        var serialized = Serializer.SerializeToArray(state);
        var packed = StatePacker.Pack(Serializer, state);

        Assert.True(packed.Length * 2 < serialized.Length, $"packed {packed.Length} bytes of {serialized.Length}");
    }

    [Fact]
    public void Unpack_CutArray_Throws()
    {
        var packed = StatePacker.Pack(Serializer, SeededState(events: 3));

        var error = Assert.Throws<InvalidDataException>(() => StatePacker.Unpack(Serializer, packed[..^4]));

        Assert.Contains("did not decompress", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpack_ShorterThanPrefix_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => StatePacker.Unpack(Serializer, [1, 2]));

        Assert.Contains("at least 4 bytes", error.Message, StringComparison.Ordinal);
    }

    // A profile of the benchmark's memory step: 10 traits and an identify followed by tracks.
    private static ProfileState SeededState(int events)
    {
        var state = new ProfileState { CreatedAt = Start, FirstSeen = Start, LastSeen = Start.AddMinutes(events) };
        for (var t = 0; t < 10; t++)
        {
            state.Traits[$"trait_{t}"] = $"\"value {t} of m-1\"";
            state.TraitTimestamps[$"trait_{t}"] = Start;
        }

        var seen = new SeenMessageIds();
        for (var e = 0; e < events; e++)
        {
            var messageId = $"m-1-e{e}";
            var json = $$$"""{"type":"track","event":"Product Viewed","userId":"m-1","messageId":"{{{messageId}}}","properties":{"sku":"sku-{{{e}}}","price":19.5}}""";
            state.RecentEvents.Add(new StoredEvent(messageId, Start.AddMinutes(e), "src_bench", json));
            seen.Add(messageId, Start.AddMinutes(e));
        }

        seen.SaveTo(state);
        state.AppliedCount = events;
        return state;
    }
}
