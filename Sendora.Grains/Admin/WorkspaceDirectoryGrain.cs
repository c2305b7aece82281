namespace Sendora.Grains.Admin;

/// <summary>Lists every workspace id, so the admin API can enumerate workspaces.</summary>
public sealed class WorkspaceDirectoryGrain(
    [PersistentState("directory", SendoraNames.GrainStorage)] IPersistentState<WorkspaceDirectoryState> directory)
    : Grain, IWorkspaceDirectoryGrain
{
    public async Task AddAsync(string workspaceId)
    {
        if (directory.State.WorkspaceIds.Contains(workspaceId))
        {
            return;
        }

        directory.State.WorkspaceIds.Add(workspaceId);
        await directory.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> ListAsync() =>
        Task.FromResult<IReadOnlyList<string>>([.. directory.State.WorkspaceIds]);
}

/// <summary>The persisted list of workspace ids, in creation order.</summary>
[GenerateSerializer, Alias("sendora.WorkspaceDirectoryState")]
public sealed class WorkspaceDirectoryState
{
    [Id(0)] public List<string> WorkspaceIds { get; set; } = [];
}
