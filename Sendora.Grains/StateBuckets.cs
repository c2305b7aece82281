using Orleans.Storage;

namespace Sendora.Grains;

/// <summary>
/// Part of a grain's state kept in a fixed number of storage records, so that a change to a few entries writes
/// only the records that contain them. A grain whose state grows with the workspace, such as one shard of the
/// profile index, then writes a record of bounded size per change instead of its whole state.
/// </summary>
/// <remarks>
/// Each record is stored in the grain's storage under a grain id of its own, of type <c>{stateName}.bucket</c>
/// with the key <c>{owner grain id}/{n}</c>. An entry's bucket comes from the high bits of the key's FNV-1a hash,
/// because shards take the low bits of the same hash. The count is fixed once data exists: changing it would
/// leave entries in records that their new bucket does not read. The owner keeps a mask of the buckets it
/// ever wrote, so that activating an empty or small shard reads only those records.
/// </remarks>
public sealed class StateBuckets<T>(IGrainStorage storage, string stateName, GrainId owner, int count)
    where T : class, new()
{
    /// <summary>The most buckets one instance keeps, so that a 32-bit mask can record which were written.</summary>
    public const int MaxCount = 32;

    private readonly GrainType _type = GrainType.Create($"{stateName}.bucket");
    private readonly GrainState<T>[] _records = [.. Enumerable.Range(0, count).Select(_ => new GrainState<T>(new T()))];

    public int Count => count;

    /// <summary>The state of bucket <paramref name="index"/>.</summary>
    public T this[int index] => _records[index].State!;

    /// <summary>Returns the bucket of the entry keyed <paramref name="key"/>.</summary>
    public int BucketOf(string key) => (int)((StableHash.Of(key) >> 16) % (uint)count);

    /// <summary>
    /// Reads the buckets whose bits are set in <paramref name="written"/>. The others, and a bucket never written,
    /// read as a new <typeparamref name="T"/>.
    /// </summary>
    public async Task ReadAsync(uint written)
    {
        var indexes = Enumerable.Range(0, count).Where(i => (written & (1u << i)) != 0);
        await Task.WhenAll(indexes.Select(i => storage.ReadStateAsync(stateName, IdOf(i), _records[i])));
        foreach (var record in _records)
        {
            record.State ??= new T();
        }
    }

    /// <summary>
    /// Writes the buckets <paramref name="indexes"/>, each once, in parallel. A bucket written for the first time is
    /// first added to the mask in the owner's record, and that record is stored before the bucket is.
    /// </summary>
    /// <remarks>
    /// A crash between the two writes leaves a bucket in the mask that reads as empty, never a written bucket that
    /// activation skips. When the owner's record cannot be stored, its mask is restored and nothing else is written.
    /// </remarks>
    public async Task WriteAsync<TOwner>(IEnumerable<int> indexes, IPersistentState<TOwner> owner)
        where TOwner : IWrittenBuckets
    {
        var distinct = indexes.Distinct().ToList();
        var previous = owner.State.WrittenBuckets;
        var mask = distinct.Aggregate(previous, (bits, index) => bits | (1u << index));

        // A bucket outside the mask was never read, but its record may exist, emptied by a clear that kept an
        // etag. Writing it without that etag would fail as a conflict, so the etag is read first.
        await Task.WhenAll(distinct
            .Where(i => (previous & (1u << i)) == 0 && _records[i].ETag is null)
            .Select(ReadEtagAsync));
        if (mask != previous)
        {
            owner.State.WrittenBuckets = mask;
            try
            {
                await owner.WriteStateAsync();
            }
            catch
            {
                owner.State.WrittenBuckets = previous;
                throw;
            }
        }

        await Task.WhenAll(distinct.Select(i => storage.WriteStateAsync(stateName, IdOf(i), _records[i])));
    }

    /// <summary>Removes the records of the buckets whose bits are set in <paramref name="written"/>. The owner clears its own record afterwards.</summary>
    public async Task ClearAsync(uint written)
    {
        var indexes = Enumerable.Range(0, count).Where(i => (written & (1u << i)) != 0);
        await Task.WhenAll(indexes.Select(i => storage.ClearStateAsync(stateName, IdOf(i), _records[i])));
        foreach (var record in _records)
        {
            record.State = new T();
        }
    }

    private async Task ReadEtagAsync(int index)
    {
        var stored = new GrainState<T>();
        await storage.ReadStateAsync(stateName, IdOf(index), stored);
        _records[index].ETag = stored.ETag;
    }

    private GrainId IdOf(int index) => GrainId.Create(_type, $"{owner}/{index}");
}

/// <summary>The owner's record of a <see cref="StateBuckets{T}"/>: one bit for each bucket it ever wrote.</summary>
public interface IWrittenBuckets
{
    uint WrittenBuckets { get; set; }
}

/// <summary>The 32-bit FNV-1a hash of a string's UTF-16 code units, the same in every process and version.</summary>
public static class StableHash
{
    public static uint Of(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
