using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sendora.Grains.Inspection;
using Sendora.Grains.Profiles;

namespace Sendora.Grains.Groups;

/// <summary>
/// Keeps a group's traits, set the way Segment's group call sets them, and its member profiles. Audiences
/// can test the traits of a profile's groups, so a change of traits has every member evaluated again, and a
/// new member is evaluated with the group's traits.
/// </summary>
public sealed partial class GroupGrain(
    [PersistentState("group", SendoraNames.GrainStorage)] IPersistentState<GroupState> group,
    ILogger<GroupGrain> logger) : Grain, IGroupGrain
{
    private const int EvaluationChunk = 50;

    private readonly HashSet<string> _toEvaluate = new(StringComparer.Ordinal);
    private IGrainTimer? _evaluationTimer;

    /// <summary>The most members a group keeps; later members still get the group's traits applied.</summary>
    public const int MaxMembers = 10_000;

    public async Task ApplyAsync(string groupId, string? traitsJson, DateTimeOffset timestamp, string profileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        var state = group.State;
        state.CreatedAt ??= DateTimeOffset.UtcNow;
        state.GroupId = groupId;
        var traitsChanged = false;
        if (traitsJson is not null)
        {
            using var traits = JsonDocument.Parse(traitsJson);
            foreach (var trait in traits.RootElement.EnumerateObject())
            {
                // An older call arriving late does not overwrite a newer value.
                if (timestamp >= state.TraitTimestamps.GetValueOrDefault(trait.Name))
                {
                    var value = trait.Value.GetRawText();
                    traitsChanged |= !state.Traits.TryGetValue(trait.Name, out var old) || old != value;
                    state.Traits[trait.Name] = value;
                    state.TraitTimestamps[trait.Name] = timestamp;
                }
            }
        }

        var joined = Join(state, profileId);
        try
        {
            await group.WriteStateAsync();
        }
        catch (Exception exception) when (StateTooLarge.Matches(exception))
        {
            // The message is already stored on its profile, so failing here would fail the request for good. The
            // group keeps the traits it had, and the call still adds its member.
            LogTraitsTooLarge(groupId, profileId);
            await group.ReadStateAsync();
            traitsChanged = false;
            joined = Join(group.State, profileId);
            if (joined)
            {
                await group.WriteStateAsync();
            }
        }

        if (traitsChanged)
        {
            _toEvaluate.UnionWith(state.Members);
        }
        else if (joined)
        {
            _toEvaluate.Add(profileId);
        }

        // Members are evaluated after this call returns, because a large group would otherwise hold up the request.
        // The timer interleaves with calls, because each member's evaluation reads this group's traits.
        if (_toEvaluate.Count > 0 && _evaluationTimer is null)
        {
            _evaluationTimer = this.RegisterGrainTimer(
                _ => EvaluateMembersAsync(),
                new GrainTimerCreationOptions(TimeSpan.Zero, TimeSpan.FromMilliseconds(10)) { KeepAlive = true, Interleave = true });
        }
    }

    public async Task RemoveMemberAsync(string profileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        if (group.State.Members.Remove(profileId))
        {
            _toEvaluate.Remove(profileId);
            await group.WriteStateAsync();
        }
    }

    private static bool Join(GroupState state, string profileId)
    {
        if (state.Members.Count >= MaxMembers || state.Members.Contains(profileId))
        {
            return false;
        }

        state.Members.Add(profileId);
        return true;
    }

    private async Task EvaluateMembersAsync()
    {
        var chunk = _toEvaluate.Take(EvaluationChunk).ToList();
        _toEvaluate.ExceptWith(chunk);
        var (workspaceId, _) = GrainKeys.Split(this.GetPrimaryKeyString());
        var results = await Task.WhenAll(chunk.Select(async profileId =>
        {
            try
            {
                await GrainFactory.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId)).EvaluateAsync(0);
                return true;
            }
            catch (Exception exception)
            {
                LogEvaluationFailed(exception, profileId, this.GetPrimaryKeyString());
                return false;
            }
        }));

        // NOTE: a member whose evaluation failed is evaluated again at its next message, not retried here.
        if (_toEvaluate.Count == 0)
        {
            _evaluationTimer?.Dispose();
            _evaluationTimer = null;
        }

        LogMembersEvaluated(results.Count(ok => ok), this.GetPrimaryKeyString());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to evaluate the audiences of profile {ProfileId} after group {GroupKey} changed")]
    private partial void LogEvaluationFailed(Exception exception, string profileId, string groupKey);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Dropped the traits of a group call for group {GroupId} from profile {ProfileId}: the group's state would exceed the storage's record size")]
    private partial void LogTraitsTooLarge(string groupId, string profileId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Evaluated the audiences of {Count} members of group {GroupKey}")]
    private partial void LogMembersEvaluated(int count, string groupKey);

    public Task<GroupSnapshot?> GetAsync()
    {
        var state = group.State;
        // Groups stored before GroupId was kept fall back to the id in the grain key.
        var groupId = state.GroupId ?? GrainKeys.DecodeValue(GrainKeys.Split(this.GetPrimaryKeyString()).Id);
        return Task.FromResult(state.CreatedAt is { } created
            ? new GroupSnapshot(groupId, new Dictionary<string, string>(state.Traits), [.. state.Members], created)
            : null);
    }

    public Task<GrainInspection> InspectAsync(int maxItems) => Task.FromResult(GrainInspector.Inspect(this, group, maxItems));
}

/// <summary>The persisted state of a group.</summary>
[GenerateSerializer, Alias("sendora.GroupState")]
public sealed class GroupState
{
    [Id(0)] public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>Trait values as JSON text by name.</summary>
    [Id(1)] public Dictionary<string, string> Traits { get; set; } = new(StringComparer.Ordinal);

    [Id(2)] public Dictionary<string, DateTimeOffset> TraitTimestamps { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Member profile ids in the order they joined.</summary>
    [Id(3)] public List<string> Members { get; set; } = [];

    /// <summary>The group id as sent in the group call.</summary>
    [Id(4)] public string? GroupId { get; set; }
}
