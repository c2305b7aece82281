using Orleans.Concurrency;
using Sendora.Grains.Journeys;
using Sendora.Grains.Audiences;
using Sendora.Grains.Identity;

namespace Sendora.Grains.Admin;

/// <summary>One workspace, keyed by its id: its name, sources and write keys.</summary>
public interface IWorkspaceGrain : IGrainWithStringKey
{
    /// <summary>Creates the workspace; throws <see cref="AdminConflictException"/> when it exists.</summary>
    Task<WorkspaceInfo> CreateAsync(string name);

    /// <summary>Returns the workspace, or null when it was never created.</summary>
    [ReadOnly]
    Task<WorkspaceInfo?> GetAsync();

    /// <summary>Adds a source with a new write key, or with <paramref name="writeKey"/> when given.</summary>
    Task<SourceInfo> AddSourceAsync(string name, string? writeKey);

    /// <summary>Enables or disables a source; returns null when the workspace has no such source.</summary>
    Task<SourceInfo?> SetSourceEnabledAsync(string sourceId, bool enabled);

    /// <summary>Sets the percent by which a source's hourly volume may stray before its volume alert opens. Returns null when there is no such source.</summary>
    Task<SourceInfo?> SetSourceVolumeAlertPercentAsync(string sourceId, int percent);

    /// <summary>
    /// Creates the workspace with one source when it does not exist, and gives its first source
    /// <paramref name="writeKey"/> when that is set and differs, retiring the old key.
    /// </summary>
    Task<WorkspaceInfo> EnsureDefaultAsync(string name, string? writeKey);

    /// <summary>Returns the workspace's identity resolution rules, the defaults until they are set.</summary>
    [ReadOnly]
    Task<IdentityRules> GetIdentityRulesAsync();

    /// <summary>Replaces the identity rules and appends the change to the audit log.</summary>
    Task SetIdentityRulesAsync(IdentityRules rules, AuditEntry change);

    /// <summary>
    /// Lists a journey in the workspace and sets the entry point profiles send trigger candidates to, or removes
    /// it (null) for a paused journey. Changes the catalog version when the entry point changes.
    /// </summary>
    Task SetJourneyEntryAsync(string journeyId, JourneyEntryPoint? entry);

    /// <summary>Lists a journey, which has no entry point until it is published.</summary>
    Task AddJourneyAsync(string journeyId);

    /// <summary>Returns the ids of the workspace's journeys, oldest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> GetJourneyIdsAsync();

    /// <summary>Appends a change made to an object that keeps its own state, such as a template or a journey.</summary>
    Task RecordAuditAsync(AuditEntry change);

    /// <summary>Returns up to <paramref name="limit"/> audit entries, newest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<AuditEntry>> GetAuditAsync(int limit);

    /// <summary>
    /// Creates or replaces an audience. <paramref name="dependsOn"/> lists the audiences its condition refers
    /// to; a reference to an unknown audience or one that closes a cycle throws <see cref="AudienceReferenceException"/>.
    /// The version grows when the condition changes. Returns the stored definition.
    /// </summary>
    Task<AudienceDefinition> SaveAudienceAsync(AudienceDefinition audience, IReadOnlyList<string> dependsOn, AuditEntry change);

    /// <summary>Deletes an audience; returns false when there is none. Throws when another audience refers to it.</summary>
    Task<bool> DeleteAudienceAsync(string audienceId, AuditEntry change);

    /// <summary>Creates or replaces a computed trait; the version grows when the definition changes.</summary>
    Task<ComputedTraitRecord> SaveComputedTraitAsync(ComputedTraitRecord trait, AuditEntry change);

    /// <summary>Deletes a computed trait; returns false when there is none. Throws when an audience refers to it.</summary>
    Task<bool> DeleteComputedTraitAsync(string key, IReadOnlyCollection<string> referencingAudiences, AuditEntry change);

    /// <summary>Returns the audiences, ordered so that each comes after those it refers to, and the computed traits.</summary>
    [ReadOnly]
    Task<AudienceCatalog> GetCatalogAsync();
}

/// <summary>Raised when an audience refers to an audience that does not exist or would close a cycle.</summary>
public sealed class AudienceReferenceException(string message) : Exception(message);

/// <summary>One admin change: who made it, when, to what, and the value before and after, as JSON.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Action,
    [property: Id(3)] string Target,
    [property: Id(4)] string? Before,
    [property: Id(5)] string? After);
