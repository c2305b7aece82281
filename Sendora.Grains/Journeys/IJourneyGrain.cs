using Orleans.Concurrency;
using Sendora.Grains.Inspection;
namespace Sendora.Grains.Journeys;

/// <summary>
/// One journey, keyed <c>{workspaceId}/{journeyId}</c>: its draft, the list of its published versions (each kept
/// by a <see cref="IJourneyVersionGrain"/>), whether it is active or paused, and its counters per version and step.
/// </summary>
public interface IJourneyGrain : IGrainWithStringKey, IInspectable
{
    /// <summary>Creates the journey or replaces its draft. The draft is validated when published, not here.</summary>
    Task<JourneyInfo> SaveDraftAsync(string definitionJson, string actor);

    /// <summary>Returns the journey, or null when it was never created.</summary>
    [ReadOnly]
    Task<JourneyInfo?> GetAsync();

    /// <summary>
    /// Publishes the draft as the next version with copies of the templates it uses, and makes the journey active.
    /// Throws <see cref="JourneyDefinitionException"/> when the draft is invalid or a template is missing, and
    /// <see cref="Admin.AdminConflictException"/> when the draft equals the latest version.
    /// </summary>
    Task<JourneyInfo> PublishAsync(IReadOnlyDictionary<string, Templates.TemplateRecord> templates, string actor);

    /// <summary>Pauses or resumes a published journey.</summary>
    Task<JourneyInfo> SetPausedAsync(bool paused, string actor);

    /// <summary>Returns the status and latest version, which runs read before they start or move on.</summary>
    [ReadOnly]
    Task<JourneyState> GetStateAsync();

    /// <summary>Returns a published version, or null when there is none by that number.</summary>
    [ReadOnly]
    Task<JourneyVersion?> GetVersionAsync(int version);

    /// <summary>Adds the counter changes of a run grain, dropping a report already added.</summary>
    [AlwaysInterleave]
    Task RecordCountersAsync(CounterReport report);

    /// <summary>Returns the counters of every version.</summary>
    [ReadOnly]
    Task<IReadOnlyDictionary<int, VersionCounters>> GetCountersAsync();
}

/// <summary>One published version, written once, keyed <c>{workspaceId}/{journeyId}/{version}</c>.</summary>
public interface IJourneyVersionGrain : IGrainWithStringKey
{
    /// <summary>Stores the version, before the journey lists it.</summary>
    Task SaveAsync(JourneyVersion version);

    [ReadOnly]
    Task<JourneyVersion?> GetAsync();
}

/// <summary>A journey as the admin API shows it.</summary>
[GenerateSerializer, Immutable, Alias("sendora.JourneyInfo")]
public sealed record JourneyInfo
{
    [Id(0)] public required string Id { get; init; }

    /// <summary>The draft's name, or the latest version's when the draft has none.</summary>
    [Id(1)] public required string Name { get; init; }

    /// <summary>One of <see cref="JourneyStatuses"/>.</summary>
    [Id(2)] public required string Status { get; init; }

    [Id(3)] public required string DraftJson { get; init; }

    [Id(4)] public DateTimeOffset DraftUpdatedAt { get; init; }

    /// <summary>Whether the draft differs from the latest version, so that publishing it makes a new one.</summary>
    [Id(5)] public bool HasUnpublishedChanges { get; init; }

    /// <summary>The latest version's number; 0 before the first publish.</summary>
    [Id(6)] public int LatestVersion { get; init; }

    [Id(7)] public IReadOnlyList<JourneyVersionInfo> Versions { get; init; } = [];

    [Id(8)] public DateTimeOffset CreatedAt { get; init; }

    [Id(9)] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The time a version was published and the actor who published it.</summary>
[GenerateSerializer, Immutable, Alias("sendora.JourneyVersionInfo")]
public sealed record JourneyVersionInfo(
    [property: Id(0)] int Version,
    [property: Id(1)] DateTimeOffset PublishedAt,
    [property: Id(2)] string PublishedBy);

/// <summary>What a run needs to know of its journey: the status and the latest version.</summary>
[GenerateSerializer, Immutable, Alias("sendora.JourneyState")]
public sealed record JourneyState([property: Id(0)] string Status, [property: Id(1)] int LatestVersion)
{
    public static readonly JourneyState Missing = new(JourneyStatuses.Draft, 0);
}

/// <summary>
/// Raised when a journey cannot be published because its draft is invalid or refers to a missing template. The
/// admin API validates the draft first and reports every error with its path; this names the first.
/// </summary>
[GenerateSerializer, Alias("sendora.JourneyDefinitionException")]
public sealed class JourneyDefinitionException(string message) : Exception(message);
