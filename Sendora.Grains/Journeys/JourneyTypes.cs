using Sendora.Grains.Journeys.Templates;

namespace Sendora.Grains.Journeys;

/// <summary>The states of a journey.</summary>
public static class JourneyStatuses
{
    /// <summary>Never published: it has a draft and no version.</summary>
    public const string Draft = "draft";

    /// <summary>Its latest version takes new entries and its runs move on.</summary>
    public const string Active = "active";

    /// <summary>Takes no new entries; runs stay at their step until the journey is resumed.</summary>
    public const string Paused = "paused";
}

/// <summary>What a profile needs to know of an active journey to send it trigger candidates.</summary>
[GenerateSerializer, Immutable, Alias("sendora.JourneyEntryPoint")]
public sealed record JourneyEntryPoint
{
    [Id(0)] public required string JourneyId { get; init; }

    [Id(1)] public required int Version { get; init; }

    [Id(2)] public required JourneyTriggerKind Trigger { get; init; }

    /// <summary>The audience of an audience trigger.</summary>
    [Id(3)] public string? AudienceId { get; init; }

    /// <summary>The event type of an event trigger: track, page or screen.</summary>
    [Id(4)] public string? EventType { get; init; }

    /// <summary>The event name of an event trigger; null for any page or screen.</summary>
    [Id(5)] public string? EventName { get; init; }

    /// <summary>Returns the entry point of <paramref name="definition"/> published as <paramref name="version"/>.</summary>
    public static JourneyEntryPoint Of(string journeyId, int version, JourneyDefinition definition) => new()
    {
        JourneyId = journeyId,
        Version = version,
        Trigger = definition.Trigger.Kind,
        AudienceId = definition.Trigger.AudienceId,
        EventType = definition.Trigger.Event?.Type,
        EventName = definition.Trigger.Event?.Name,
    };
}

/// <summary>An event in the form journeys use: in signals, in the trigger of a run and in template context.</summary>
[GenerateSerializer, Immutable, Alias("sendora.JourneyEvent")]
public sealed record JourneyEvent(
    [property: Id(0)] string MessageId,
    [property: Id(1)] string Type,
    [property: Id(2)] string Name,
    [property: Id(3)] DateTimeOffset Timestamp,
    [property: Id(4)] string PropertiesJson);

/// <summary>The kinds of <see cref="JourneySignal"/>.</summary>
public static class JourneySignalKinds
{
    /// <summary>The profile applied a message: an event, a page or screen, or an identify that changed traits.</summary>
    public const string Event = "event";

    public const string AudienceEntered = "audience_entered";

    public const string AudienceExited = "audience_exited";
}

/// <summary>
/// Something that happened to a profile that one journey may act on: a trigger candidate, or an event or
/// membership change for the runs it follows. The profile saves signals with the state that caused them and
/// sends them after, again after a crash; <see cref="SignalId"/> lets the run drop a repeat.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.JourneySignal")]
public sealed record JourneySignal
{
    /// <summary><c>{profileId}:{number}</c>, the number counting the profile's signals.</summary>
    [Id(0)] public required string SignalId { get; init; }

    [Id(1)] public required string JourneyId { get; init; }

    /// <summary>One of <see cref="JourneySignalKinds"/>.</summary>
    [Id(2)] public required string Kind { get; init; }

    [Id(3)] public required DateTimeOffset At { get; init; }

    /// <summary>The audience of a membership change.</summary>
    [Id(4)] public string? AudienceId { get; init; }

    /// <summary>The message of an event signal, or the one that caused a membership change, if any.</summary>
    [Id(5)] public JourneyEvent? Event { get; init; }

    /// <summary>Whether the profile found the signal to match the journey's trigger, before its property conditions.</summary>
    [Id(6)] public bool TriggerCandidate { get; init; }
}

/// <summary>One published version of a journey: its definition and the templates it uses, never changed after.</summary>
[GenerateSerializer, Immutable, Alias("sendora.JourneyVersion")]
public sealed record JourneyVersion
{
    [Id(0)] public required string JourneyId { get; init; }

    [Id(1)] public required int Version { get; init; }

    [Id(2)] public required string DefinitionJson { get; init; }

    /// <summary>Copies of the templates the steps use, by id.</summary>
    [Id(3)] public IReadOnlyDictionary<string, TemplateRecord> Templates { get; init; } = new Dictionary<string, TemplateRecord>();

    [Id(4)] public required DateTimeOffset PublishedAt { get; init; }

    [Id(5)] public required string PublishedBy { get; init; }
}

/// <summary>Counts of runs at one step, or over a whole version.</summary>
[GenerateSerializer, Alias("sendora.StepCounters")]
public sealed class StepCounters
{
    /// <summary>Runs that arrived at the step (for a version: runs started).</summary>
    [Id(0)] public long Entered { get; set; }

    /// <summary>Runs waiting at the step now (for a version: runs active now).</summary>
    [Id(1)] public long Waiting { get; set; }

    /// <summary>Runs that went on from the step, or finished there as completed.</summary>
    [Id(2)] public long Completed { get; set; }

    /// <summary>Runs that an exit rule, an exit step, a merge or an erasure ended at the step.</summary>
    [Id(3)] public long Exited { get; set; }

    /// <summary>Runs that passed the step and reached the conversion goal.</summary>
    [Id(4)] public long Converted { get; set; }

    public void Add(StepCounters other)
    {
        Entered += other.Entered;
        Waiting += other.Waiting;
        Completed += other.Completed;
        Exited += other.Exited;
        Converted += other.Converted;
    }

    public bool IsZero => Entered == 0 && Waiting == 0 && Completed == 0 && Exited == 0 && Converted == 0;
}

/// <summary>The counters of one version: totals and per step.</summary>
[GenerateSerializer, Alias("sendora.VersionCounters")]
public sealed class VersionCounters
{
    [Id(0)] public StepCounters Total { get; set; } = new();

    [Id(1)] public Dictionary<string, StepCounters> Steps { get; set; } = new(StringComparer.Ordinal);

    public StepCounters Step(string stepId)
    {
        if (!Steps.TryGetValue(stepId, out var counters))
        {
            counters = new StepCounters();
            Steps[stepId] = counters;
        }

        return counters;
    }

    public void Add(VersionCounters other)
    {
        Total.Add(other.Total);
        foreach (var (stepId, counters) in other.Steps)
        {
            Step(stepId).Add(counters);
        }
    }
}

/// <summary>Counter changes one run grain made, sent to the journey after they were saved.</summary>
[GenerateSerializer, Alias("sendora.CounterReport")]
public sealed record CounterReport(
    [property: Id(0)] string ReportId,
    [property: Id(1)] IReadOnlyDictionary<int, VersionCounters> Versions);
