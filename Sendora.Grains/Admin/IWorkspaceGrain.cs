using Orleans.Concurrency;

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
}
