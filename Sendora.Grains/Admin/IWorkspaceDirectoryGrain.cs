using Orleans.Concurrency;

namespace Sendora.Grains.Admin;

/// <summary>The ids of every workspace, in one grain keyed <see cref="Key"/>.</summary>
public interface IWorkspaceDirectoryGrain : IGrainWithStringKey
{
    public const string Key = "all";

    Task AddAsync(string workspaceId);

    [ReadOnly]
    Task<IReadOnlyList<string>> ListAsync();
}
