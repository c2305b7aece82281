using Orleans.Concurrency;
using Sendora.Grains.Admin.Audit;
using Sendora.Grains.Journeys;
using Sendora.Grains.Audiences;
using Sendora.Grains.Destinations;
using Sendora.Grains.Identity;

namespace Sendora.Grains.Admin;

/// <summary>
/// One workspace, keyed by its id: its name, sources and write keys. Each method that takes an
/// <see cref="AuditStamp"/> or an <see cref="AuditEntry"/> saves the change and its audit entry in one write, then
/// sends the entry to the workspace's <see cref="IAuditLogGrain"/>, again after a failure until it lands.
/// </summary>
public interface IWorkspaceGrain : IGrainWithStringKey
{
    /// <summary>Creates the workspace; throws <see cref="AdminConflictException"/> when it exists.</summary>
    Task<WorkspaceInfo> CreateAsync(string name, AuditStamp stamp);

    /// <summary>Returns the workspace, or null when it was never created.</summary>
    [ReadOnly]
    Task<WorkspaceInfo?> GetAsync();

    /// <summary>Adds a source with a new write key, or with <paramref name="writeKey"/> when given.</summary>
    Task<SourceInfo> AddSourceAsync(string name, string? writeKey, AuditStamp stamp);

    /// <summary>Enables or disables a source; returns null when the workspace has no such source.</summary>
    Task<SourceInfo?> SetSourceEnabledAsync(string sourceId, bool enabled, AuditStamp stamp);

    /// <summary>Sets the percent by which a source's hourly volume may stray before its volume alert opens. Returns null when there is no such source.</summary>
    Task<SourceInfo?> SetSourceVolumeAlertPercentAsync(string sourceId, int percent, AuditStamp stamp);

    /// <summary>
    /// Creates the workspace with one source when it does not exist, and gives its first source
    /// <paramref name="writeKey"/> when that is set and differs, retiring the old key. These changes come from
    /// configuration at start, not from an admin, so they have no audit entries.
    /// </summary>
    Task<WorkspaceInfo> EnsureDefaultAsync(string name, string? writeKey);

    /// <summary>Returns the workspace's identity resolution rules, the defaults until they are set.</summary>
    [ReadOnly]
    Task<IdentityRules> GetIdentityRulesAsync();

    /// <summary>Replaces the identity rules and records <paramref name="change"/> in the audit log.</summary>
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

    /// <summary>Creates or replaces a destination and changes the catalog version. Returns the stored definition.</summary>
    Task<DestinationDefinition> SaveDestinationAsync(DestinationDefinition destination, AuditEntry change);

    /// <summary>Deletes a destination; returns false when there is none.</summary>
    Task<bool> DeleteDestinationAsync(string destinationId, AuditEntry change);

    /// <summary>Records an admin action that changes no workspace state, such as a replay, in the audit log.</summary>
    Task RecordAsync(AuditEntry change);

    /// <summary>Returns the audiences, ordered so that each comes after those it refers to, and the computed traits.</summary>
    [ReadOnly]
    Task<AudienceCatalog> GetCatalogAsync();
}

/// <summary>Raised when an audience refers to an audience that does not exist or would close a cycle.</summary>
[GenerateSerializer, Alias("sendora.AudienceReferenceException")]
public sealed class AudienceReferenceException(string message) : Exception(message);
