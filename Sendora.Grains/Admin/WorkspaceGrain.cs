using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Sendora.Grains.Admin.Audit;
using Sendora.Grains.Audiences;
using Sendora.Grains.Destinations;
using Sendora.Grains.Identity;
using Sendora.Grains.Journeys;

namespace Sendora.Grains.Admin;

/// <summary>Owns a workspace's sources and keeps each source's write key grain in step with it.</summary>
public sealed partial class WorkspaceGrain(
    [PersistentState("workspace", SendoraNames.GrainStorage)] IPersistentState<WorkspaceState> workspace,
    ILogger<WorkspaceGrain> logger) : Grain, IWorkspaceGrain
{
    private const string KeyAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private string WorkspaceId => this.GetPrimaryKeyString();

    // Set when a state write fails. The activation then has changes that storage lacks, so it sends no more
    // audit entries.
    private bool _stale;

    public Task<WorkspaceInfo> CreateAsync(string name, AuditStamp stamp)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        return CreateCoreAsync(name, stamp);
    }

    // A null stamp records no audit entry, for the default workspace that configuration creates.
    private async Task<WorkspaceInfo> CreateCoreAsync(string name, AuditStamp? stamp)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (workspace.State.CreatedAt is not null)
        {
            throw new AdminConflictException($"Workspace '{WorkspaceId}' already exists.");
        }

        workspace.State.Name = name;
        workspace.State.CreatedAt = DateTimeOffset.UtcNow;
        if (stamp is not null)
        {
            var after = AuditJson(new { id = WorkspaceId, name });
            QueueAudit(stamp.ToEntry("workspace.create", $"workspaces/{WorkspaceId}", null, after));
        }

        await WriteStateAsync();
        await GrainFactory.GetGrain<IWorkspaceDirectoryGrain>(IWorkspaceDirectoryGrain.Key).AddAsync(WorkspaceId);
        LogCreated(WorkspaceId);
        await SendAuditOutboxAsync();
        return ToInfo();
    }

    public Task<WorkspaceInfo?> GetAsync() =>
        Task.FromResult(workspace.State.CreatedAt is null ? null : ToInfo());

    public Task<SourceInfo> AddSourceAsync(string name, string? writeKey, AuditStamp stamp)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        return AddSourceCoreAsync(name, writeKey, stamp);
    }

    private async Task<SourceInfo> AddSourceCoreAsync(string name, string? writeKey, AuditStamp? stamp)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ThrowIfMissing();
        var source = new SourceInfo
        {
            Id = "src_" + RandomNumberGenerator.GetHexString(16, lowercase: true),
            Name = name,
            WriteKey = string.IsNullOrWhiteSpace(writeKey) ? NewWriteKey() : writeKey,
            Enabled = true,
            CreatedAt = DateTimeOffset.UtcNow,
        };

        // The key grain is bound first: a key that is already taken must fail before the source exists.
        await KeyGrain(source.WriteKey).BindAsync(new WriteKeyBinding(WorkspaceId, source.Id, Enabled: true));
        workspace.State.Sources.Add(source);
        if (stamp is not null)
        {
            QueueAudit(stamp.ToEntry("source.create", SourceTarget(source.Id), null, AuditJson(SourceSummary(source))));
        }

        await WriteStateAsync();
        LogSourceAdded(source.Id, WorkspaceId);
        await SendAuditOutboxAsync();
        return source;
    }

    public async Task<SourceInfo?> SetSourceEnabledAsync(string sourceId, bool enabled, AuditStamp stamp)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        var index = workspace.State.Sources.FindIndex(s => s.Id == sourceId);
        if (index < 0)
        {
            return null;
        }

        var old = workspace.State.Sources[index];
        var source = old with { Enabled = enabled };
        await KeyGrain(source.WriteKey).BindAsync(new WriteKeyBinding(WorkspaceId, source.Id, enabled));
        workspace.State.Sources[index] = source;
        QueueAudit(stamp.ToEntry(
            "source.update", SourceTarget(source.Id), AuditJson(SourceSummary(old)), AuditJson(SourceSummary(source))));
        await WriteStateAsync();
        LogSourceEnabled(source.Id, WorkspaceId, enabled);
        await SendAuditOutboxAsync();
        return source;
    }

    public async Task<SourceInfo?> SetSourceVolumeAlertPercentAsync(string sourceId, int percent, AuditStamp stamp)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 1);
        ArgumentNullException.ThrowIfNull(stamp);
        var index = workspace.State.Sources.FindIndex(s => s.Id == sourceId);
        if (index < 0)
        {
            return null;
        }

        var old = workspace.State.Sources[index];
        var source = old with { VolumeAlertPercent = percent };
        workspace.State.Sources[index] = source;
        QueueAudit(stamp.ToEntry(
            "source.update", SourceTarget(source.Id), AuditJson(SourceSummary(old)), AuditJson(SourceSummary(source))));
        await WriteStateAsync();
        LogVolumeAlertPercentSet(source.Id, WorkspaceId, percent);
        await SendAuditOutboxAsync();
        return source;
    }

    public async Task<WorkspaceInfo> EnsureDefaultAsync(string name, string? writeKey)
    {
        if (workspace.State.CreatedAt is null)
        {
            await CreateCoreAsync(name, stamp: null);
        }

        if (workspace.State.Sources.Count == 0)
        {
            await AddSourceCoreAsync("Default source", writeKey, stamp: null);
            return ToInfo();
        }

        var first = workspace.State.Sources[0];
        if (!string.IsNullOrWhiteSpace(writeKey) && first.WriteKey != writeKey)
        {
            await KeyGrain(writeKey).BindAsync(new WriteKeyBinding(WorkspaceId, first.Id, first.Enabled));
            await KeyGrain(first.WriteKey).RetireAsync();
            workspace.State.Sources[0] = first with { WriteKey = writeKey };
            await WriteStateAsync();
            LogWriteKeyReplaced(first.Id, WorkspaceId);
        }

        return ToInfo();
    }

    public Task<IdentityRules> GetIdentityRulesAsync() =>
        Task.FromResult(workspace.State.IdentityRules ?? IdentityRules.Default);

    public async Task SetIdentityRulesAsync(IdentityRules rules, AuditEntry change)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(change);
        ThrowIfMissing();
        workspace.State.IdentityRules = rules;
        QueueAudit(change);
        await WriteStateAsync();
        await SendAuditOutboxAsync();
    }

    public async Task SetJourneyEntryAsync(string journeyId, JourneyEntryPoint? entry)
    {
        ArgumentException.ThrowIfNullOrEmpty(journeyId);
        ThrowIfMissing();
        var state = workspace.State;
        var listed = AddJourneyId(journeyId);
        var current = state.JourneyEntries.GetValueOrDefault(journeyId);
        if (current == entry)
        {
            if (listed)
            {
                await WriteStateAsync();
            }

            return;
        }

        if (entry is null)
        {
            state.JourneyEntries.Remove(journeyId);
        }
        else
        {
            state.JourneyEntries[journeyId] = entry;
        }

        state.CatalogVersion++;
        await WriteStateAsync();
    }

    public async Task AddJourneyAsync(string journeyId)
    {
        ArgumentException.ThrowIfNullOrEmpty(journeyId);
        ThrowIfMissing();
        if (AddJourneyId(journeyId))
        {
            await WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> GetJourneyIdsAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. workspace.State.JourneyIds]);

    private bool AddJourneyId(string journeyId)
    {
        if (workspace.State.JourneyIds.Contains(journeyId))
        {
            return false;
        }

        workspace.State.JourneyIds.Add(journeyId);
        return true;
    }

    private WorkspaceInfo ToInfo() => new()
    {
        Id = WorkspaceId,
        Name = workspace.State.Name,
        CreatedAt = workspace.State.CreatedAt ?? throw new InvalidOperationException("Workspace is not created."),
        Sources = [.. workspace.State.Sources],
    };

    private void ThrowIfMissing()
    {
        if (workspace.State.CreatedAt is null)
        {
            throw new KeyNotFoundException($"Workspace '{WorkspaceId}' does not exist.");
        }
    }

    // Callers change the state before writing it, so after a failed write this activation contains changes
    // that storage does not. Deactivating drops them: the next call reloads the stored state.
    private async Task WriteStateAsync()
    {
        try
        {
            await workspace.WriteStateAsync();
        }
        catch (Exception exception)
        {
            LogWriteFailed(exception, WorkspaceId);
            _stale = true;
            DeactivateOnIdle();
            throw;
        }
    }

    private IWriteKeyGrain KeyGrain(string writeKey) => GrainFactory.GetGrain<IWriteKeyGrain>(writeKey);

    private static string NewWriteKey() => RandomNumberGenerator.GetString(KeyAlphabet, 32);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Failed to write the state of workspace {WorkspaceId}; deactivating to reload the stored state")]
    private partial void LogWriteFailed(Exception exception, string workspaceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created workspace {WorkspaceId}")]
    private partial void LogCreated(string workspaceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Added source {SourceId} to workspace {WorkspaceId}")]
    private partial void LogSourceAdded(string sourceId, string workspaceId);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Set source {SourceId} of workspace {WorkspaceId} to enabled={Enabled}")]
    private partial void LogSourceEnabled(string sourceId, string workspaceId, bool enabled);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Set the volume alert range of source {SourceId} of workspace {WorkspaceId} to ±{Percent}%")]
    private partial void LogVolumeAlertPercentSet(string sourceId, string workspaceId, int percent);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Replaced the write key of source {SourceId} of workspace {WorkspaceId}")]
    private partial void LogWriteKeyReplaced(string sourceId, string workspaceId);
}

/// <summary>The persisted state of a workspace.</summary>
[GenerateSerializer, Alias("sendora.WorkspaceState")]
public sealed class WorkspaceState
{
    [Id(0)] public string Name { get; set; } = string.Empty;

    /// <summary>When the workspace was created; null until then.</summary>
    [Id(1)] public DateTimeOffset? CreatedAt { get; set; }

    [Id(2)] public List<SourceInfo> Sources { get; set; } = [];

    /// <summary>The identity resolution rules; null means the defaults.</summary>
    [Id(3)] public IdentityRules? IdentityRules { get; set; }

    // Id 4 held the audit entries before the audit log grains took them over. It stays unused, so that old
    // stored state never fills another member.

    [Id(5)] public List<AudienceDefinition> Audiences { get; set; } = [];

    /// <summary>For each audience id, the audiences its condition refers to.</summary>
    [Id(6)] public Dictionary<string, List<string>> AudienceReferences { get; set; } = new(StringComparer.Ordinal);

    [Id(7)] public List<ComputedTraitRecord> ComputedTraits { get; set; } = [];

    /// <summary>Grows with every change to audiences or computed traits, so that profiles notice a newer catalog.</summary>
    [Id(8)] public long CatalogVersion { get; set; }

    /// <summary>Every journey of the workspace, in the order created.</summary>
    [Id(9)] public List<string> JourneyIds { get; set; } = [];

    /// <summary>The entry points of the journeys that take new entries, by journey id.</summary>
    [Id(10)] public Dictionary<string, JourneyEntryPoint> JourneyEntries { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Audit entries of saved changes that the audit log has not confirmed yet, oldest first. Each is saved in
    /// the same write as its change.
    /// </summary>
    /// <remarks>
    /// NOTE: while the audit log cannot be reached, entries pile up here, and the state can grow past what one
    /// storage entity holds. Changes then fail to save until the log takes the entries.
    /// </remarks>
    [Id(11)] public List<AuditEntry> AuditOutbox { get; set; } = [];

    /// <summary>The destinations, in the order created.</summary>
    [Id(12)] public List<DestinationDefinition> Destinations { get; set; } = [];
}
