using System.Buffers;
using Orleans.Storage;

namespace Sendora.Silo.Hosting;

/// <summary>
/// One grain storage made of several instances of the same storage, each with a connection of its own. Every grain
/// always uses the same instance, chosen by the hash of its id.
/// </summary>
/// <remarks>
/// The instances must store a grain under the same key whichever instance writes it, as Orleans' Redis storage
/// does (the key is the service id, the grain id and the state name). Then the number of instances can change
/// between runs without moving any data. They must also serialize the state before their first await, and be done
/// with its bytes once their write has succeeded, as Orleans' Redis storage does.
/// </remarks>
public sealed class GrainStorageByConnection : IGrainStorage
{
    private readonly IReadOnlyList<IGrainStorage> _instances;
    private readonly ArrayPool<byte> _stateBuffers;

    /// <param name="instances">The storages, each with its connection.</param>
    /// <param name="stateBuffers">
    /// The pool for the serialized state of each write (see <see cref="LeasedStateBuffers"/>). When null, the storage
    /// creates its own.
    /// </param>
    public GrainStorageByConnection(IReadOnlyList<IGrainStorage> instances, ArrayPool<byte>? stateBuffers = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(instances.Count);
        _instances = instances;
        _stateBuffers = stateBuffers ?? LeasedStateBuffers.CreatePool();
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        InstanceOf(grainId).ReadStateAsync(stateName, grainId, grainState);

    // The serialized state goes into a pooled array for the length of the write. A storage that serializes after an
    // await gets an array of its own, and a failed write keeps its array.
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Task write;
        byte[]? lent;
        LeasedStateBuffers.Open(_stateBuffers);
        try
        {
            write = InstanceOf(grainId).WriteStateAsync(stateName, grainId, grainState);
        }
        finally
        {
            lent = LeasedStateBuffers.Close();
        }

        await write;
        if (lent is not null)
        {
            _stateBuffers.Return(lent);
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        InstanceOf(grainId).ClearStateAsync(stateName, grainId, grainState);

    private IGrainStorage InstanceOf(GrainId grainId) => _instances[(int)(grainId.GetUniformHashCode() % (uint)_instances.Count)];
}
