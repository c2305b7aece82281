using System.Text.Json;
using Sendora.Grains.Audiences;
using Sendora.Grains.Audiences.ComputedTraits;

namespace Sendora.Tests.Audiences.Language;

/// <summary>Shorthands for computed trait tests: one definition with its state, fed event by event.</summary>
internal sealed class TestComputedTrait
{
    private TestComputedTrait(ComputedTraitDefinition definition)
    {
        Definition = definition;
        State = definition.CreateState();
    }

    public ComputedTraitDefinition Definition { get; }

    public ComputedTraitState State { get; }

    /// <summary>The instant passed to Apply, which is the first test day unless a test moves it.</summary>
    public DateTimeOffset Now { get; set; } = Conditions.Start;

    public static TestComputedTrait Of(string json)
    {
        var result = ComputedTraitDefinition.Parse(json);
        Assert.True(result.Definition is not null, "Invalid computed trait: " + string.Join("; ", result.Errors));
        return new TestComputedTrait(result.Definition);
    }

    public bool Apply(string name, DateTimeOffset timestamp, string properties = "{}", string type = "track") =>
        Definition.Apply(State, new EventFact(type, name, timestamp, JsonElement.Parse(properties)), Now);

    public TestComputedTrait With(string name, DateTimeOffset timestamp, string properties = "{}")
    {
        Apply(name, timestamp, properties);
        return this;
    }

    /// <summary>Returns the value as compact JSON text, or null when there is none.</summary>
    public string? ValueAt(DateTimeOffset now) => Definition.Value(State, now) is { } value ? value.GetRawText() : null;

    public string? Value() => ValueAt(Now);
}
