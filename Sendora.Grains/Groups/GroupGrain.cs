using System.Text.Json;

namespace Sendora.Grains.Groups;

/// <summary>Keeps a group's traits, set the way Segment's group call sets them, and its member profiles.</summary>
public sealed class GroupGrain(
    [PersistentState("group", SendoraNames.GrainStorage)] IPersistentState<GroupState> group) : Grain, IGroupGrain
{
    /// <summary>The most members a group keeps; later members still get the group's traits applied.</summary>
    public const int MaxMembers = 10_000;

    public async Task ApplyAsync(string groupId, string? traitsJson, DateTimeOffset timestamp, string profileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        var state = group.State;
        state.CreatedAt ??= DateTimeOffset.UtcNow;
        state.GroupId = groupId;
        if (traitsJson is not null)
        {
            using var traits = JsonDocument.Parse(traitsJson);
            foreach (var trait in traits.RootElement.EnumerateObject())
            {
                // An older call arriving late does not overwrite a newer value.
                if (timestamp >= state.TraitTimestamps.GetValueOrDefault(trait.Name))
                {
                    state.Traits[trait.Name] = trait.Value.GetRawText();
                    state.TraitTimestamps[trait.Name] = timestamp;
                }
            }
        }

        if (!state.Members.Contains(profileId) && state.Members.Count < MaxMembers)
        {
            state.Members.Add(profileId);
        }

        await group.WriteStateAsync();
    }

    public Task<GroupSnapshot?> GetAsync()
    {
        var state = group.State;
        // Groups stored before GroupId was kept fall back to the id in the grain key.
        var groupId = state.GroupId ?? GrainKeys.DecodeValue(GrainKeys.Split(this.GetPrimaryKeyString()).Id);
        return Task.FromResult(state.CreatedAt is { } created
            ? new GroupSnapshot(groupId, new Dictionary<string, string>(state.Traits), [.. state.Members], created)
            : null);
    }
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
