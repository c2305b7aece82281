using Microsoft.Extensions.Logging;
using Sendora.Grains.Admin;

namespace Sendora.Grains.Journeys.Templates;

/// <summary>Stores one template and keeps its summary in the workspace's template directory.</summary>
public sealed partial class TemplateGrain(
    [PersistentState("template", SendoraNames.GrainStorage)] IPersistentState<TemplateState> state,
    TimeProvider clock,
    ILogger<TemplateGrain> logger) : Grain, ITemplateGrain
{
    private string _workspaceId = string.Empty;
    private string _templateId = string.Empty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, _templateId) = GrainKeys.Split(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task<TemplateRecord> CreateAsync(TemplateRecord template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (state.State.Template is not null)
        {
            throw new AdminConflictException($"Template '{_templateId}' already exists in workspace '{_workspaceId}'.");
        }

        return await StoreAsync(template);
    }

    public async Task<TemplateRecord> SaveAsync(TemplateRecord template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (state.State.Template is { } existing && existing.Channel != template.Channel)
        {
            var message = $"Template '{_templateId}' has the channel '{existing.Channel}', not '{template.Channel}', "
                + "and a template's channel cannot change.";
            throw new ArgumentException(message, nameof(template));
        }

        return await StoreAsync(template);
    }

    public Task<TemplateRecord?> GetAsync() => Task.FromResult(state.State.Template);

    public async Task<TemplateRecord?> DeleteAsync()
    {
        var deleted = state.State.Template;
        if (deleted is not null)
        {
            await WriteAsync(template: null);
            LogDeleted(_templateId, _workspaceId, deleted.Version);
        }

        await UpdateDirectoryAsync(directory => directory.RemoveAsync(_templateId));
        return deleted;
    }

    private async Task<TemplateRecord> StoreAsync(TemplateRecord template)
    {
        if (template.Id != _templateId)
        {
            throw new ArgumentException(
                $"The template's id '{template.Id}' differs from the grain's '{_templateId}'.", nameof(template));
        }

        if (TemplateValidator.Validate(template) is { } error)
        {
            throw new ArgumentException(error.Message, nameof(template));
        }

        var now = clock.GetUtcNow();
        var stored = template with
        {
            Version = state.State.LastVersion + 1,
            CreatedAt = state.State.Template?.CreatedAt ?? now,
            UpdatedAt = now,
        };
        await WriteAsync(stored);
        LogSaved(_templateId, _workspaceId, stored.Version);
        await UpdateDirectoryAsync(directory => directory.SetAsync(stored.ToSummary()));
        return stored;
    }

    // After a failed write the activation cannot tell what storage holds, because a write that timed out may
    // still have been stored. It puts the previous state back for calls already queued and deactivates, so that
    // the next activation reads the stored state.
    private async Task WriteAsync(TemplateRecord? template)
    {
        var previous = (state.State.Template, state.State.LastVersion);
        state.State.Template = template;
        state.State.LastVersion = template?.Version ?? state.State.LastVersion;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception exception)
        {
            (state.State.Template, state.State.LastVersion) = previous;
            LogWriteFailed(exception, _templateId, _workspaceId);
            DeactivateOnIdle();
            throw;
        }
    }

    // The template is stored by now. When the directory update fails, the caller sees the exception and retries,
    // and the retry, or any later save or delete of this template, writes the directory entry again.
    private async Task UpdateDirectoryAsync(Func<ITemplateDirectoryGrain, Task> update)
    {
        try
        {
            await update(GrainFactory.GetGrain<ITemplateDirectoryGrain>(_workspaceId));
        }
        catch (Exception exception)
        {
            LogDirectoryFailed(exception, _templateId, _workspaceId);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Saved template {TemplateId} of workspace {WorkspaceId} as version {Version}")]
    private partial void LogSaved(string templateId, string workspaceId, int version);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Deleted template {TemplateId} of workspace {WorkspaceId} at version {Version}")]
    private partial void LogDeleted(string templateId, string workspaceId, int version);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Failed to write template {TemplateId} of workspace {WorkspaceId}; deactivating to reload it")]
    private partial void LogWriteFailed(Exception exception, string templateId, string workspaceId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Failed to update the directory entry of template {TemplateId} of workspace {WorkspaceId}; "
            + "the next save or delete of the template writes it again")]
    private partial void LogDirectoryFailed(Exception exception, string templateId, string workspaceId);
}

/// <summary>The persisted state of one template.</summary>
[GenerateSerializer, Alias("sendora.TemplateState")]
public sealed class TemplateState
{
    /// <summary>The template, or null before it is created and after it is deleted.</summary>
    [Id(0)] public TemplateRecord? Template { get; set; }

    /// <summary>The version last stored, kept after a delete so that a template created again continues it.</summary>
    [Id(1)] public int LastVersion { get; set; }
}
