using Orleans.Storage;

namespace Sendora.Silo.Hosting;

/// <summary>
/// One grain storage made of several instances of the same storage, each with a connection of its own. Every grain
/// always uses the same instance, chosen by the hash of its id.
/// </summary>
/// <remarks>
/// The instances must store a grain under the same key whichever instance writes it, as Orleans' Redis storage
/// does (the key is the service id, the grain id and the state name). Then the number of instances can change
/// between runs without moving any data.
/// </remarks>
public sealed class GrainStorageByConnection : IGrainStorage
{
    private readonly IReadOnlyList<IGrainStorage> _instances;

    public GrainStorageByConnection(IReadOnlyList<IGrainStorage> instances)
    {
        ArgumentOutOfRangeException.ThrowIfZero(instances.Count);
        _instances = instances;
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        InstanceOf(grainId).ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        InstanceOf(grainId).WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        InstanceOf(grainId).ClearStateAsync(stateName, grainId, grainState);

    private IGrainStorage InstanceOf(GrainId grainId) => _instances[(int)(grainId.GetUniformHashCode() % (uint)_instances.Count)];
}
