using Microsoft.Extensions.Logging;

namespace Sendora.Grains.Profiles;

/// <summary>
/// Keeps the state of an idle profile packed by <see cref="StatePacker"/>. An active profile often takes no call for
/// minutes at a time, and packed it takes a fraction of the memory of its objects. The first access to
/// <see cref="State"/> after that unpacks it again.
/// </summary>
public sealed partial class ProfileGrain
{
    // The packed state while the activation keeps it packed, else null. profile.State is null meanwhile.
    private byte[]? _packed;

    // The size of the state the last time this activation packed it, for inspection.
    private int? _lastPackedLength;

    // While packed: the numbers under which storage has the recent events and the history, when it keeps them apart
    // and has exactly the packed ones, so that the first write after unpacking sends only new events.
    private long? _packedEventsNumber;
    private long? _packedHistoryNumber;

    // Environment.TickCount64 at the last access to State.
    private long _lastUsedAt;

    // Ticks every PackAfterIdle while the state is unpacked, and is disposed when it is packed.
    private IGrainTimer? _packTimer;

    /// <summary>The profile's state, unpacked first when the activation keeps it packed.</summary>
    private ProfileState State
    {
        get
        {
            if (_packed is not null)
            {
                Unpack();
            }

            _lastUsedAt = Environment.TickCount64;
            if (_packTimer is null && _options.PackAfterIdle > TimeSpan.Zero)
            {
                // Not kept alive by the timer, so Orleans still collects an idle activation, packed or not.
                _packTimer = this.RegisterGrainTimer(
                    _ => PackIfIdle(),
                    new GrainTimerCreationOptions(_options.PackAfterIdle, _options.PackAfterIdle) { KeepAlive = false });
            }

            return profile.State;
        }
    }

    /// <summary>The messageIds the profile remembers, read from its state, so unpacked first like <see cref="State"/>.</summary>
    private SeenMessageIds SeenIds
    {
        get
        {
            _ = State;
            return _seenMessageIds;
        }
    }

    // The timer does not interleave, so no call of this activation is under way while it runs. Timers that interleave
    // with calls hold parts of the state while they await, so the state stays unpacked while any of them is pending.
    // A profile is packed between one and two periods after its last call.
    private Task PackIfIdle()
    {
        var idle = TimeSpan.FromMilliseconds(Environment.TickCount64 - _lastUsedAt);
        if (_packed is not null || _stale || idle < _options.PackAfterIdle || HasPendingWork())
        {
            return Task.CompletedTask;
        }

        Pack();
        return Task.CompletedTask;
    }

    private bool HasPendingWork()
    {
        var state = profile.State;
        return _journeyTimer is not null
               || _destinationTimer is not null
               || _sendingJourneys.Count > 0
               || _sendingDestinations.Count > 0
               || state.Journeys.Outbox.Count > 0
               || state.Destinations.Outbox.Count > 0
               || state.Audiences.Outbox.Count > 0;
    }

    private void Pack()
    {
        var state = profile.State;
        _seenMessageIds.SaveTo(state);
        try
        {
            _packed = StatePacker.Pack(stateSerializer, state);
        }
        catch (Exception exception)
        {
            // The state stays unpacked, and the next tick of the timer tries again.
            LogPackFailed(exception, _profileId);
            return;
        }

        // NOTE: Orleans' live migration of an activation would carry this null state to the new silo. Sendora does not
        // migrate activations. If it did, the state would have to be unpacked when the activation is dehydrated.
        _packedEventsNumber = StoredApartLists.FirstNumberIfStored(state.RecentEvents);
        _packedHistoryNumber = StoredApartLists.FirstNumberIfStored(state.Audiences.History);
        profile.State = null!;
        _lastPackedLength = _packed.Length;
        _seenMessageIds = new SeenMessageIds();
        _packTimer?.Dispose();
        _packTimer = null;
    }

    private void Unpack()
    {
        ProfileState state;
        try
        {
            state = StatePacker.Unpack(stateSerializer, _packed!);
        }
        catch (Exception exception)
        {
            // Storage holds what was packed, so a fresh activation reads the state again from there.
            LogUnpackFailed(exception, _profileId);
            _stale = true;
            DeactivateOnIdle();
            throw new ProfileUnavailableException(
                $"Profile '{_profileId}' failed to unpack its idle state and is reloading it from storage; retry the call.");
        }

        profile.State = state;
        _packed = null;
        _seenMessageIds = SeenMessageIds.From(profile.State);
        ShareHistoryStrings();
        StoredApartLists.MarkStored(state.RecentEvents, _packedEventsNumber);
        StoredApartLists.MarkStored(state.Audiences.History, _packedHistoryNumber);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to pack the idle state of profile {ProfileId}, so it stays unpacked")]
    private partial void LogPackFailed(Exception exception, string profileId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to unpack the idle state of profile {ProfileId}; deactivating")]
    private partial void LogUnpackFailed(Exception exception, string profileId);
}
