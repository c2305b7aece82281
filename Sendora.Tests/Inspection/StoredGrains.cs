using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Sendora.Grains;
using Sendora.Grains.Profiles;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Inspection;

/// <summary>Reads a profile's storage record and reminders directly, to tell whether an inspection wrote anything.</summary>
public sealed class StoredGrains(SendoraServer server)
{
    private IGrainFactory Grains => server.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Returns the stored record's ETag, or null when storage has no record of the profile.</summary>
    public async Task<string?> ProfileETagAsync(string workspaceId, string profileId)
    {
        var storage = server.Services.GetRequiredKeyedService<IGrainStorage>(SendoraNames.GrainStorage);
        var state = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", ProfileGrainId(workspaceId, profileId), state);
        return state.RecordExists ? state.ETag : null;
    }

    /// <summary>Returns the names of the reminders registered for the profile.</summary>
    public async Task<List<string>> ProfileRemindersAsync(string workspaceId, string profileId)
    {
        var reminders = await server.Services.GetRequiredService<IReminderTable>().ReadRows(ProfileGrainId(workspaceId, profileId));
        return [.. reminders.Reminders.Select(r => r.ReminderName).Order(StringComparer.Ordinal)];
    }

    private GrainId ProfileGrainId(string workspaceId, string profileId) =>
        Grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId)).GetGrainId();
}
