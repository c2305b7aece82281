using Orleans.Concurrency;

namespace Sendora.Grains.Journeys.Templates;

/// <summary>
/// One message template, keyed <c>{workspaceId}/{templateId}</c> (<see cref="GrainKeys.Scoped"/>). It is the
/// truth about the template: after each change it updates the workspace's <see cref="ITemplateDirectoryGrain"/>.
/// </summary>
public interface ITemplateGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the template. Throws <see cref="Admin.AdminConflictException"/> when it exists, and
    /// <see cref="ArgumentException"/> when its id differs from the key or <see cref="TemplateValidator"/> rejects it.
    /// Returns the stored record with its version and times.
    /// </summary>
    Task<TemplateRecord> CreateAsync(TemplateRecord template);

    /// <summary>
    /// Creates or replaces the template. The version grows by one on every call. Throws
    /// <see cref="ArgumentException"/> when the id differs from the key, the channel differs from the stored
    /// template's or <see cref="TemplateValidator"/> rejects it. Returns the stored record.
    /// </summary>
    Task<TemplateRecord> SaveAsync(TemplateRecord template);

    /// <summary>Returns the template, or null when it does not exist.</summary>
    [ReadOnly]
    Task<TemplateRecord?> GetAsync();

    /// <summary>
    /// Deletes the template and returns what it was, or null when there was none. Either way the template is
    /// removed from the directory, which repairs a listing left behind by a failed directory update.
    /// </summary>
    Task<TemplateRecord?> DeleteAsync();
}
