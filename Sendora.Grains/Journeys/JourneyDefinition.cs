using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Journeys;

/// <summary>
/// A parsed, validated journey definition. It is immutable: a published version never changes, and running
/// profiles finish on the version they started. <see cref="Parse(string)"/> builds it from the JSON that
/// docs/journeys.md describes.
/// </summary>
public sealed partial class JourneyDefinition
{
    public required string Name { get; init; }

    public required JourneyTrigger Trigger { get; init; }

    public required EntryRule Entry { get; init; }

    /// <summary>Rules that end a run at whatever step it is.</summary>
    public IReadOnlyList<ExitRule> ExitRules { get; init; } = [];

    public ConversionGoal? Goal { get; init; }

    /// <summary>The IANA time zone of time windows for a profile without a valid <c>timezone</c> trait.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>The step a run starts at.</summary>
    public required string StartStepId { get; init; }

    /// <summary>Every step by id.</summary>
    public required IReadOnlyDictionary<string, JourneyStep> Steps { get; init; }

    /// <summary>The templates that email and push steps refer to.</summary>
    public IReadOnlySet<string> TemplateIds { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The audiences the trigger, exit rules and conditions refer to.</summary>
    public IReadOnlySet<string> AudienceIds { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}

/// <summary>The outcome of <see cref="JourneyDefinition.Parse(string)"/>: a definition, or the errors with the JSON path of each.</summary>
public sealed record JourneyParseResult(JourneyDefinition? Definition, IReadOnlyList<ConditionError> Errors)
{
    public bool IsValid => Definition is not null;
}

public enum JourneyTriggerKind
{
    AudienceEntered,
    AudienceExited,
    Event,
}

/// <summary>What starts a run: entering or leaving an audience, or an event that passes <see cref="Event"/>.</summary>
public sealed record JourneyTrigger(JourneyTriggerKind Kind, string? AudienceId, JourneyEventFilter? Event);

public enum EntryMode
{
    /// <summary>A profile enters at most once, ever.</summary>
    Once,

    /// <summary>A profile enters again once <see cref="EntryRule.Cooldown"/> has passed since its last entry and no run is active.</summary>
    Cooldown,

    /// <summary>A profile enters on every trigger, one active run per value of <see cref="EntryRule.KeyProperty"/>.</summary>
    EveryTime,
}

/// <summary>When a trigger starts a run. At most one run is active per profile and entry key.</summary>
public sealed record EntryRule(EntryMode Mode, TimeSpan? Cooldown, string? KeyProperty)
{
    /// <summary>
    /// Returns the entry key of a trigger: the value of <see cref="KeyProperty"/> in the trigger event's
    /// properties as text (JSON text for non-strings), or the empty string when there is no key property,
    /// no event or no such property.
    /// </summary>
    public string KeyOf(JsonElement? properties)
    {
        if (Mode != EntryMode.EveryTime || KeyProperty is null || properties is not { ValueKind: JsonValueKind.Object } found
            || !found.TryGetProperty(KeyProperty, out var value))
        {
            return string.Empty;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
    }
}

public enum ExitRuleKind
{
    Event,
    AudienceExited,
}

/// <summary>Ends an active run: an event that passes <see cref="Event"/>, or leaving <see cref="AudienceId"/>.</summary>
public sealed record ExitRule(ExitRuleKind Kind, string? AudienceId, JourneyEventFilter? Event);

/// <summary>A run converts when the profile performs an event passing <see cref="Event"/> within <see cref="Within"/> of entry.</summary>
public sealed record ConversionGoal(JourneyEventFilter Event, TimeSpan Within);

/// <summary>One step of a journey. <see cref="Next"/> is the following step; null ends the run as completed.</summary>
public abstract record JourneyStep(string Id, string? Next)
{
    /// <summary>The step type as the definition names it, such as <c>delay</c>.</summary>
    public abstract string Type { get; }
}

/// <summary>Waits <see cref="Duration"/> from arriving at the step.</summary>
public sealed record DelayStep(string Id, string? Next, TimeSpan Duration) : JourneyStep(Id, Next)
{
    public override string Type => "delay";
}

/// <summary>
/// Waits until an event passing <see cref="Event"/> arrives, or until the profile matches <see cref="ConditionJson"/>
/// (exactly one is set), for at most <see cref="Timeout"/>; then goes to <see cref="JourneyStep.Next"/>, or to
/// <see cref="TimeoutNext"/> when the time runs out (null ends the run as completed).
/// </summary>
public sealed record WaitUntilStep(
    string Id, string? Next, JourneyEventFilter? Event, string? ConditionJson, TimeSpan Timeout, string? TimeoutNext) : JourneyStep(Id, Next)
{
    public override string Type => "wait_until";
}

/// <summary>Holds the run until the profile's local time is on one of <see cref="Days"/> between <see cref="From"/> and <see cref="To"/>.</summary>
public sealed partial record TimeWindowStep(
    string Id, string? Next, IReadOnlySet<DayOfWeek> Days, TimeOnly From, TimeOnly To) : JourneyStep(Id, Next)
{
    public override string Type => "time_window";
}

/// <summary>One path of a branch: the first whose condition the profile matches is taken.</summary>
public sealed record BranchPath(string ConditionJson, string? Next);

/// <summary>Tries <see cref="Paths"/> in order and takes the first that matches, else <see cref="Else"/>.</summary>
public sealed record BranchStep(string Id, IReadOnlyList<BranchPath> Paths, string? Else) : JourneyStep(Id, null)
{
    public override string Type => "branch";
}

/// <summary>One path of a random split, taken by <see cref="Percent"/> of profiles.</summary>
public sealed record SplitPath(int Percent, string? Next);

/// <summary>Sends each profile down one path at random, the same one every time that profile arrives.</summary>
public sealed partial record SplitStep(string Id, IReadOnlyList<SplitPath> Paths) : JourneyStep(Id, null)
{
    public override string Type => "random_split";
}

/// <summary>Sends an email from a template (<see cref="TemplateId"/>) or from inline content (<see cref="Subject"/> and at least one body).</summary>
public sealed record EmailStep(
    string Id, string? Next, string? TemplateId, string? Subject, string? HtmlBody, string? TextBody, string? To, bool Transactional)
    : JourneyStep(Id, Next)
{
    public override string Type => "send_email";
}

/// <summary>Sends a push notification to every push token of the profile, from a template or inline content.</summary>
public sealed record PushStep(
    string Id, string? Next, string? TemplateId, string? Title, string? Body, IReadOnlyDictionary<string, string>? Data, bool Transactional)
    : JourneyStep(Id, Next)
{
    public override string Type => "send_push";
}

/// <summary>Posts JSON to <see cref="Url"/>; the body is <see cref="BodyTemplate"/> rendered, or the run's context.</summary>
public sealed record WebhookStep(
    string Id, string? Next, string Url, IReadOnlyDictionary<string, string>? Headers, string? BodyTemplate, string? SigningSecret)
    : JourneyStep(Id, Next)
{
    public override string Type => "send_webhook";
}

/// <summary>Sets traits on the profile: <see cref="TraitsJson"/> is a JSON object of trait names and values.</summary>
public sealed record UpdateTraitStep(string Id, string? Next, string TraitsJson) : JourneyStep(Id, Next)
{
    public override string Type => "update_trait";
}

/// <summary>Ends the run as exited.</summary>
public sealed record ExitStep(string Id) : JourneyStep(Id, null)
{
    public override string Type => "exit";
}
