using Orleans.Concurrency;
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

    /// <summary>Returns up to <paramref name="limit"/> audit entries, newest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<AuditEntry>> GetAuditAsync(int limit);
}

/// <summary>One admin change: who made it, when, to what, and the value before and after, as JSON.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Action,
    [property: Id(3)] string Target,
    [property: Id(4)] string? Before,
    [property: Id(5)] string? After);
