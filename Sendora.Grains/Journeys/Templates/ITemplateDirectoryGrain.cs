using Orleans.Concurrency;

namespace Sendora.Grains.Journeys.Templates;

/// <summary>
/// The summaries of one workspace's templates, keyed by workspace id, so that listing templates does not
/// activate each one. Only <see cref="ITemplateGrain"/> writes it, after its own state is stored. When that
/// update fails, the template's next save or delete writes its entry again.
/// </summary>
public interface ITemplateDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Adds the summary of a template or replaces the one with the same id.</summary>
    Task SetAsync(TemplateSummary summary);

    /// <summary>Removes a template's summary if the directory has one.</summary>
    Task RemoveAsync(string templateId);

    /// <summary>Returns every summary, ordered by template id.</summary>
    [ReadOnly]
    Task<IReadOnlyList<TemplateSummary>> ListAsync();
}
