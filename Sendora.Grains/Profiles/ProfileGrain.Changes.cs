using Microsoft.Extensions.Logging;

namespace Sendora.Grains.Profiles;

public sealed partial class ProfileGrain
{
    private static readonly TimeSpan ChangeRecordRetryDelay = TimeSpan.FromSeconds(5);

    private IGrainTimer? _changeRecordTimer;

    public Task<ProfileSyncRecord> GetSyncRecordAsync()
    {
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is not null || state.CreatedAt is null)
        {
            return Task.FromResult(new ProfileSyncRecord { ProfileId = _profileId, Version = state.ChangeVersion });
        }

        return Task.FromResult(new ProfileSyncRecord
        {
            ProfileId = _profileId,
            Exists = true,
            Version = state.ChangeVersion,
            ExternalIds = [.. state.ExternalIds],
            Traits = new Dictionary<string, string>(state.Traits, StringComparer.Ordinal),
            ComputedTraits = new Dictionary<string, string>(state.Audiences.ComputedValues, StringComparer.Ordinal),
            Memberships = state.Audiences.Memberships.ToDictionary(m => m.Key, m => m.Value.Since, StringComparer.Ordinal),
            Events = [.. state.RecentEvents],
            CreatedAt = state.CreatedAt,
            FirstSeen = state.FirstSeen,
            LastSeen = state.LastSeen,
        });
    }

    /// <summary>
    /// Records the persisted state version in the workspace's change log. A failure is retried on a timer rather than
    /// returned, because the state is already saved and the caller's request succeeded.
    /// </summary>
    private async Task RecordChangeAsync()
    {
        var version = State.ChangeVersion;
        try
        {
            await GrainFactory.Reference<IProfileChangeLogGrain>(IProfileChangeLogGrain.KeyFor(_workspaceId, _profileId))
                .RecordAsync(_profileId, version);
        }
        catch (Exception exception)
        {
            LogChangeRecordFailed(exception, _profileId, version);
            ScheduleChangeRecord(ChangeRecordRetryDelay);
        }
    }

    // A silo can fail between the state write and the change log call, so every activation records its version
    // again. The change log ignores a version it already has.
    // NOTE: a profile that is never activated again after such a failure stays out of incremental runs until its
    // next change; a reset backfill exports it.
    private void ScheduleChangeRecord(TimeSpan delay)
    {
        if (State.ChangeVersion == 0 || _changeRecordTimer is not null)
        {
            return;
        }

        _changeRecordTimer = this.RegisterGrainTimer(
            async _ =>
            {
                _changeRecordTimer?.Dispose();
                _changeRecordTimer = null;
                await RecordChangeAsync();
            },
            new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan));
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Failed to record version {Version} of profile {ProfileId} in the change log; retrying")]
    private partial void LogChangeRecordFailed(Exception exception, string profileId, long version);
}
