using Microsoft.Extensions.Logging;
using Sendora.Grains.Admin;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Journeys;

/// <summary>
/// Keeps a journey's draft, versions, status and counters. It sends its workspace the entry point of the version
/// that takes new entries, so that profiles send the journey their trigger candidates.
/// </summary>
public sealed partial class JourneyGrain(
    [PersistentState("journey", SendoraNames.GrainStorage)] IPersistentState<JourneyGrainState> journey,
    TimeProvider clock,
    ILogger<JourneyGrain> logger) : Grain, IJourneyGrain
{
    // Report ids kept to drop a report that a run grain sends again after a crash; a run resends within seconds.
    private const int RecentReportLimit = 4_096;

    private readonly HashSet<string> _recentReports = new(StringComparer.Ordinal);
    private GroupedWrites<CounterReport, bool>? _counterWrites;
    private string _workspaceId = string.Empty;
    private string _journeyId = string.Empty;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, _journeyId) = GrainKeys.Split(Key);
        _recentReports.UnionWith(journey.State.RecentReports);
        _counterWrites = new GroupedWrites<CounterReport, bool>(WriteCountersAsync);
        if (journey.State.CreatedAt is not null && !journey.State.CatalogSynced)
        {
            await SyncCatalogAsync();
        }
    }

    public async Task<JourneyInfo> SaveDraftAsync(string definitionJson, string actor)
    {
        ArgumentException.ThrowIfNullOrEmpty(definitionJson);
        var state = journey.State;
        var now = clock.GetUtcNow();
        state.CreatedAt ??= now;
        state.DraftJson = definitionJson;
        state.DraftUpdatedAt = now;
        state.UpdatedAt = now;
        await WriteStateAsync();
        return ToInfo();
    }

    public Task<JourneyInfo?> GetAsync() =>
        Task.FromResult(journey.State.CreatedAt is null ? null : ToInfo());

    public async Task<JourneyInfo> PublishAsync(IReadOnlyDictionary<string, Templates.TemplateRecord> templates, string actor)
    {
        ArgumentNullException.ThrowIfNull(templates);
        var state = journey.State;
        if (state.CreatedAt is null)
        {
            throw new KeyNotFoundException($"Journey {Key} does not exist.");
        }

        if (!HasUnpublishedChanges(state))
        {
            throw new AdminConflictException($"Version {state.Versions.Count} of journey '{_journeyId}' already has this definition.");
        }

        var parsed = JourneyDefinition.Parse(state.DraftJson);
        if (parsed.Definition is not { } definition)
        {
            var first = parsed.Errors[0];
            throw new JourneyDefinitionException($"{first.Path}: {first.Message}");
        }

        if (definition.TemplateIds.FirstOrDefault(id => !templates.ContainsKey(id)) is { } missing)
        {
            throw new JourneyDefinitionException($"Template '{missing}' does not exist.");
        }

        var now = clock.GetUtcNow();
        var number = state.Versions.Count + 1;
        var version = new JourneyVersion
        {
            JourneyId = _journeyId,
            Version = number,
            DefinitionJson = state.DraftJson,
            Templates = definition.TemplateIds.ToDictionary(id => id, id => templates[id], StringComparer.Ordinal),
            PublishedAt = now,
            PublishedBy = actor,
        };

        // The version is written before the journey lists it, so a listed version always exists.
        await GrainFactory.GetGrain<IJourneyVersionGrain>(VersionKey(number)).SaveAsync(version);
        state.Versions.Add(new JourneyVersionInfo(number, now, actor));
        state.Entry = JourneyEntryPoint.Of(_journeyId, number, definition);
        state.PublishedJson = state.DraftJson;
        state.Paused = false;
        state.UpdatedAt = now;
        state.CatalogSynced = false;
        await WriteStateAsync();
        LogPublished(Key, number);
        await SyncCatalogAsync();
        return ToInfo();
    }

    public async Task<JourneyInfo> SetPausedAsync(bool paused, string actor)
    {
        var state = journey.State;
        if (state.Versions.Count == 0)
        {
            throw new AdminConflictException($"Journey '{_journeyId}' has no published version to pause or resume.");
        }

        if (state.Paused != paused)
        {
            state.Paused = paused;
            state.UpdatedAt = clock.GetUtcNow();
            state.CatalogSynced = false;
            await WriteStateAsync();
            await SyncCatalogAsync();
        }

        return ToInfo();
    }

    public Task<JourneyState> GetStateAsync() => Task.FromResult(new JourneyState(Status(journey.State), journey.State.Versions.Count));

    public async Task<JourneyVersion?> GetVersionAsync(int version)
    {
        if (version < 1 || version > journey.State.Versions.Count)
        {
            return null;
        }

        return await GrainFactory.GetGrain<IJourneyVersionGrain>(VersionKey(version)).GetAsync();
    }

    public Task RecordCountersAsync(CounterReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return _counterWrites!.AddAsync([report]);
    }

    public Task<IReadOnlyDictionary<int, VersionCounters>> GetCountersAsync() =>
        Task.FromResult<IReadOnlyDictionary<int, VersionCounters>>(journey.State.Counters);

    public Task<GrainInspection> InspectAsync(int maxItems) => Task.FromResult(GrainInspector.Inspect(this, journey, maxItems));

    private async Task<bool> WriteCountersAsync(IReadOnlyList<CounterReport> reports)
    {
        var state = journey.State;
        var added = false;
        foreach (var report in reports)
        {
            if (!_recentReports.Add(report.ReportId))
            {
                continue;
            }

            state.RecentReports.Add(report.ReportId);
            foreach (var (version, counters) in report.Versions)
            {
                if (!state.Counters.TryGetValue(version, out var existing))
                {
                    existing = new VersionCounters();
                    state.Counters[version] = existing;
                }

                existing.Add(counters);
            }

            added = true;
        }

        if (state.RecentReports.Count > RecentReportLimit)
        {
            var drop = state.RecentReports.Count - RecentReportLimit;
            _recentReports.ExceptWith(state.RecentReports.Take(drop));
            state.RecentReports.RemoveRange(0, drop);
        }

        if (added)
        {
            await WriteStateAsync();
        }

        return added;
    }

    /// <summary>Sends the workspace the entry point of the latest version, or null when the journey takes no entries.</summary>
    private async Task SyncCatalogAsync()
    {
        var state = journey.State;
        var entry = state.Paused ? null : state.Entry;
        try
        {
            await GrainFactory.GetGrain<IWorkspaceGrain>(_workspaceId).SetJourneyEntryAsync(_journeyId, entry);
        }
        catch (Exception exception)
        {
            // The journey's own state is saved; the next activation or change sends the entry point again.
            LogCatalogSyncFailed(exception, Key);
            return;
        }

        state.CatalogSynced = true;
        await WriteStateAsync();
    }

    private async Task WriteStateAsync()
    {
        try
        {
            await journey.WriteStateAsync();
        }
        catch (Exception exception)
        {
            LogSaveFailed(exception, Key);
            DeactivateOnIdle();
            throw;
        }
    }

    private string VersionKey(int version) => GrainKeys.Scoped(_workspaceId, $"{_journeyId}/{version}");

    private static string Status(JourneyGrainState state) =>
        state.Versions.Count == 0 ? JourneyStatuses.Draft
        : state.Paused ? JourneyStatuses.Paused
        : JourneyStatuses.Active;

    private static bool HasUnpublishedChanges(JourneyGrainState state) =>
        state.Versions.Count == 0 || !string.Equals(state.PublishedJson, state.DraftJson, StringComparison.Ordinal);

    private JourneyInfo ToInfo()
    {
        var state = journey.State;
        return new JourneyInfo
        {
            Id = _journeyId,
            Name = NameOf(state.DraftJson) ?? _journeyId,
            Status = Status(state),
            DraftJson = state.DraftJson,
            DraftUpdatedAt = state.DraftUpdatedAt,
            HasUnpublishedChanges = HasUnpublishedChanges(state),
            LatestVersion = state.Versions.Count,
            Versions = [.. state.Versions],
            CreatedAt = state.CreatedAt ?? default,
            UpdatedAt = state.UpdatedAt,
        };
    }

    private static string? NameOf(string definitionJson)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(definitionJson);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("name", out var name)
                && name.ValueKind == System.Text.Json.JsonValueKind.String
                ? name.GetString()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Published version {Version} of journey {Key}")]
    private partial void LogPublished(string key, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to send the entry point of journey {Key} to its workspace; it is sent again later")]
    private partial void LogCatalogSyncFailed(Exception exception, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to save journey {Key}")]
    private partial void LogSaveFailed(Exception exception, string key);
}

/// <summary>The persisted state of a journey.</summary>
[GenerateSerializer, Alias("sendora.JourneyGrainState")]
public sealed class JourneyGrainState
{
    [Id(0)] public DateTimeOffset? CreatedAt { get; set; }

    [Id(1)] public DateTimeOffset UpdatedAt { get; set; }

    [Id(2)] public string DraftJson { get; set; } = string.Empty;

    [Id(3)] public DateTimeOffset DraftUpdatedAt { get; set; }

    [Id(4)] public List<JourneyVersionInfo> Versions { get; set; } = [];

    /// <summary>The entry point of the latest version; null before the first publish.</summary>
    [Id(5)] public JourneyEntryPoint? Entry { get; set; }

    [Id(6)] public bool Paused { get; set; }

    /// <summary>Whether the workspace has the current entry point; false between a change and its delivery.</summary>
    [Id(7)] public bool CatalogSynced { get; set; }

    [Id(8)] public Dictionary<int, VersionCounters> Counters { get; set; } = [];

    [Id(9)] public List<string> RecentReports { get; set; } = [];

    /// <summary>The definition of the latest version, to tell whether the draft changed since.</summary>
    [Id(10)] public string PublishedJson { get; set; } = string.Empty;
}

/// <summary>Stores one published version.</summary>
public sealed class JourneyVersionGrain(
    [PersistentState("journeyversion", SendoraNames.GrainStorage)] IPersistentState<JourneyVersionState> version)
    : Grain, IJourneyVersionGrain
{
    public async Task SaveAsync(JourneyVersion value)
    {
        ArgumentNullException.ThrowIfNull(value);

        // The journey lists a version only after this write, so a write that is repeated after a failed publish
        // replaces a version no run has seen.
        version.State.Value = value;
        await version.WriteStateAsync();
    }

    public Task<JourneyVersion?> GetAsync() => Task.FromResult(version.State.Value);
}

[GenerateSerializer, Alias("sendora.JourneyVersionState")]
public sealed class JourneyVersionState
{
    [Id(0)] public JourneyVersion? Value { get; set; }
}
