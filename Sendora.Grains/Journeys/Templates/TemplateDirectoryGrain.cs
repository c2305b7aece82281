using Microsoft.Extensions.Logging;

namespace Sendora.Grains.Journeys.Templates;

/// <summary>Stores the summaries of one workspace's templates.</summary>
public sealed partial class TemplateDirectoryGrain(
    [PersistentState("templates", SendoraNames.GrainStorage)] IPersistentState<TemplateDirectoryState> directory,
    ILogger<TemplateDirectoryGrain> logger) : Grain, ITemplateDirectoryGrain
{
    public async Task SetAsync(TemplateSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var templates = directory.State.Templates;
        var previous = templates.GetValueOrDefault(summary.Id);
        if (summary == previous)
        {
            return;
        }

        templates[summary.Id] = summary;
        await WriteAsync(() => Restore(summary.Id, previous));
    }

    public async Task RemoveAsync(string templateId)
    {
        ArgumentException.ThrowIfNullOrEmpty(templateId);
        if (directory.State.Templates.Remove(templateId, out var previous))
        {
            await WriteAsync(() => Restore(templateId, previous));
        }
    }

    public Task<IReadOnlyList<TemplateSummary>> ListAsync() =>
        Task.FromResult<IReadOnlyList<TemplateSummary>>(
            [.. directory.State.Templates.Values.OrderBy(t => t.Id, StringComparer.Ordinal)]);

    private void Restore(string templateId, TemplateSummary? previous)
    {
        if (previous is null)
        {
            directory.State.Templates.Remove(templateId);
        }
        else
        {
            directory.State.Templates[templateId] = previous;
        }
    }

    private async Task WriteAsync(Action restore)
    {
        try
        {
            await directory.WriteStateAsync();
        }
        catch (Exception exception)
        {
            restore();
            LogWriteFailed(exception, this.GetPrimaryKeyString());
            DeactivateOnIdle();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Failed to write the template directory of {WorkspaceId}; deactivating to reload the stored state")]
    private partial void LogWriteFailed(Exception exception, string workspaceId);
}

/// <summary>The persisted template summaries of one workspace.</summary>
[GenerateSerializer, Alias("sendora.TemplateDirectoryState")]
public sealed class TemplateDirectoryState
{
    /// <summary>Summaries by template id.</summary>
    [Id(0)] public Dictionary<string, TemplateSummary> Templates { get; set; } = new(StringComparer.Ordinal);
}
