using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Sendora.Grains.Profiles;

namespace Sendora.Tests.Units;

public sealed class SeenMessageIdsTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(SeenMessageIdsTests).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    [Fact]
    public void Add_SameIdTwice_RemembersItOnce()
    {
        var seen = new SeenMessageIds();

        Assert.True(seen.Add("m-1", Start));
        Assert.False(seen.Add("m-1", Start.AddSeconds(1)));
        Assert.True(seen.Contains("m-1"));
        Assert.False(seen.Contains("m-2"));
        Assert.Equal(1, seen.Count);
    }

    [Fact]
    public void SaveThenLoad_KeepsIdsInOrder()
    {
        var seen = WithIds(50);

        var state = new ProfileState();
        seen.SaveTo(state);
        var loaded = SeenMessageIds.From(RoundTrip(state));
        loaded.Forget(Start.AddSeconds(25), int.MaxValue);

        Assert.Equal(24 * 50, state.SeenMessageDigests.Length);
        Assert.Equal(25, loaded.Count);
        Assert.False(loaded.Contains("m-24"));
        Assert.True(loaded.Contains("m-25"));
        Assert.True(loaded.Contains("m-49"));
    }

    [Fact]
    public void From_OlderList_MovesIntoDigests()
    {
        var state = new ProfileState
        {
            SeenMessages = [new SeenMessage("old-1", Start), new SeenMessage("old-2", Start.AddMinutes(1))],
        };

        var seen = SeenMessageIds.From(state);
        seen.SaveTo(state);
        var reloaded = SeenMessageIds.From(state);

        Assert.Empty(state.SeenMessages);
        Assert.True(reloaded.Contains("old-1"));
        Assert.True(reloaded.Contains("old-2"));
        Assert.Equal(2, reloaded.Count);
    }

    [Fact]
    public void Forget_BeyondLimit_DropsOldest()
    {
        var seen = WithIds(10);

        // Room is made for one more id, so a limit of 5 keeps the newest 4.
        seen.Forget(DateTimeOffset.MinValue, 5);

        Assert.Equal(4, seen.Count);
        Assert.False(seen.Contains("m-5"));
        Assert.True(seen.Contains("m-6"));
    }

    [Fact]
    public void AddStored_OtherProfile_MergesByArrival()
    {
        var survivor = new SeenMessageIds();
        survivor.Add("late", Start.AddHours(2));
        var victim = new SeenMessageIds();
        victim.Add("early", Start);
        victim.Add("late", Start.AddHours(2));
        var victimState = new ProfileState();
        victim.SaveTo(victimState);

        survivor.AddStored(victimState);
        survivor.Forget(Start.AddHours(1), int.MaxValue);

        Assert.Equal(1, survivor.Count);
        Assert.True(survivor.Contains("late"));
        Assert.False(survivor.Contains("early"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ümlaut é 中文 😀")]
    [InlineData("a-messageId-of-a-thousand-characters")]
    public void Contains_AnyText_MatchesExactId(string messageId)
    {
        var id = messageId.Length > 30 ? new string('x', 1_000) : messageId;
        var seen = new SeenMessageIds();
        seen.Add(id, Start);

        Assert.True(seen.Contains(id));
        Assert.False(seen.Contains(id + " "));
    }

    [Fact]
    public void Add_PastIndexThreshold_FindsEveryId()
    {
        var seen = new SeenMessageIds();
        var count = SeenMessageIds.IndexThreshold * 3;
        for (var i = 0; i < count; i++)
        {
            Assert.True(seen.Add($"m-{i}", Start.AddSeconds(i)));
        }

        Assert.False(seen.Add("m-7", Start.AddDays(1)));
        seen.Forget(Start.AddSeconds(count - 10), int.MaxValue);
        var state = new ProfileState();
        seen.SaveTo(state);
        var loaded = SeenMessageIds.From(state);

        Assert.Equal(10, loaded.Count);
        Assert.False(loaded.Contains($"m-{count - 11}"));
        Assert.True(loaded.Contains($"m-{count - 10}"));
        Assert.True(loaded.Contains($"m-{count - 1}"));
        Assert.False(loaded.Contains("m-7"));
    }

    [Fact]
    public void Add_AfterSave_StateWritesCurrentIds()
    {
        var seen = new SeenMessageIds();
        seen.Add("m-1", Start);
        var state = new ProfileState();
        seen.SaveTo(state);

        seen.Add("m-2", Start.AddSeconds(1));
        seen.Forget(Start.AddSeconds(1), int.MaxValue);

        Assert.Equal(24, state.SeenMessageDigests.Length);
        var loaded = SeenMessageIds.From(RoundTrip(state));
        Assert.Equal(1, loaded.Count);
        Assert.True(loaded.Contains("m-2"));
        Assert.False(loaded.Contains("m-1"));
    }

    [Fact]
    public void Add_ManyIds_CopiesArrayRarely()
    {
        var seen = new SeenMessageIds();
        var state = new ProfileState();
        seen.SaveTo(state);
        var arrays = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < 1_000; i++)
        {
            seen.Add($"m-{i}", Start.AddSeconds(i));
            arrays.Add(state.SeenMessageDigests.Buffer);
        }

        // Each new array has room for a quarter more ids, so 1,000 ids take about 20 arrays rather than 1,000.
        Assert.InRange(arrays.Count, 1, 30);
        Assert.Equal(24_000, state.SeenMessageDigests.Length);
        Assert.True(state.SeenMessageDigests.Buffer.Length >= 24_000);
    }

    [Fact]
    public void Forget_MostIds_ShrinksArray()
    {
        var seen = WithIds(1_000);

        var state = new ProfileState();
        seen.SaveTo(state);
        seen.Forget(Start.AddSeconds(990), int.MaxValue);

        Assert.Equal(10, seen.Count);
        Assert.Equal(240, state.SeenMessageDigests.Length);
        Assert.True(state.SeenMessageDigests.Buffer.Length <= 24 * 20, $"The array kept {state.SeenMessageDigests.Buffer.Length} bytes.");
        Assert.True(seen.Contains("m-990"));
        Assert.True(seen.Contains("m-999"));
        Assert.False(seen.Contains("m-989"));
    }

    [Fact]
    public void From_StoredState_AddsToIt()
    {
        var first = new SeenMessageIds();
        first.Add("m-1", Start);
        var state = RoundTrip(Saved(first));

        var loaded = SeenMessageIds.From(state);
        loaded.Add("m-2", Start.AddSeconds(1));
        loaded.Forget(Start.AddSeconds(1), int.MaxValue);
        loaded.SaveTo(state);

        Assert.Equal(24, state.SeenMessageDigests.Length);
        Assert.True(SeenMessageIds.From(RoundTrip(state)).Contains("m-2"));
    }

    [Fact]
    public void StoredByteArray_ReadsAsDigests()
    {
        // States written before MessageDigests existed stored the entries as a byte array in the same field.
        var seen = new SeenMessageIds();
        seen.Add("m-1", Start);
        seen.Add("m-2", Start.AddSeconds(1));
        var entries = Saved(seen).SeenMessageDigests.Span.ToArray();
        var legacy = Serializer.SerializeToArray(new LegacyDigestState { Digests = entries });

        var state = Serializer.Deserialize<ProfileState>(legacy)!;

        Assert.Equal(entries, state.SeenMessageDigests.Span.ToArray());
        var loaded = SeenMessageIds.From(state);
        Assert.Equal(2, loaded.Count);
        Assert.True(loaded.Contains("m-1"));
        Assert.True(loaded.Contains("m-2"));
    }

    [Fact]
    public void StoredByteArray_ReferencedTwice_ReadsAsDigests()
    {
        // Orleans writes an array that an earlier field also contains as a reference, such as one empty array twice.
        var seen = new SeenMessageIds();
        seen.Add("m-1", Start);
        var entries = Saved(seen).SeenMessageDigests.Span.ToArray();
        var stored = new StoredEvent("m-1", Start, "src", [])
        {
            Utf8Json = entries,
        };
        var legacy = Serializer.SerializeToArray(new LegacyDigestState { Events = [stored], Digests = entries });

        var state = Serializer.Deserialize<ProfileState>(legacy)!;

        Assert.Equal(entries, state.SeenMessageDigests.Span.ToArray());
        Assert.True(SeenMessageIds.From(state).Contains("m-1"));
        Assert.Equal("m-1", Assert.Single(state.RecentEvents).MessageId);
    }

    private static ProfileState Saved(SeenMessageIds seen)
    {
        var state = new ProfileState();
        seen.SaveTo(state);
        return state;
    }

    private static ProfileState RoundTrip(ProfileState state) =>
        Serializer.Deserialize<ProfileState>(Serializer.SerializeToArray(state))!;

    /// <summary>Returns seen ids m-0, m-1 and so on, added one second apart from <see cref="Start"/>.</summary>
    private static SeenMessageIds WithIds(int count)
    {
        var seen = new SeenMessageIds();
        for (var i = 0; i < count; i++)
        {
            seen.Add($"m-{i}", Start.AddSeconds(i));
        }

        return seen;
    }
}

/// <summary>
/// Fields of a profile state as Orleans wrote them before Sendora's own forms existed: the recent events as a list and
/// the seen messageIds as a byte array, with the same ids.
/// </summary>
[GenerateSerializer, Alias("sendora.tests.LegacyDigestState")]
public sealed class LegacyDigestState
{
    [Id(5)] public List<StoredEvent> Events { get; set; } = [];

    [Id(20)] public byte[] Digests { get; set; } = [];
}
