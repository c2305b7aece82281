using System.Buffers;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Lends the array of a grain state serialized for a storage write, for a storage that is done with the bytes when
/// its write has succeeded. The storage opens a lease on its thread before it calls the write, and closes it when the
/// call returns. The first state that <see cref="PooledStorageSerializer"/> serializes on that thread in between goes
/// into an array from the lease's pool. Once the write has succeeded, the storage gives the array back.
/// </summary>
/// <remarks>
/// A storage that keeps the serialized bytes after its write, as memory storage does, must not open a lease. A write
/// that fails keeps its array, because the connection may still send a command that timed out.
/// </remarks>
public static class LeasedStateBuffers
{
    /// <summary>
    /// A pool for serialized states. It keeps more arrays than the shared pool, because a silo has a write in flight
    /// for each grain that is saving its state. Larger states than <see cref="MaxPooledLength"/> get arrays of their
    /// own, so that the pool keeps at most about 67 MB (512 arrays of each size up to that length).
    /// </summary>
    public static ArrayPool<byte> CreatePool() => ArrayPool<byte>.Create(MaxPooledLength, maxArraysPerBucket: 512);

    /// <summary>The longest array the pool keeps: a profile of the benchmark's size serializes to a few kilobytes.</summary>
    public const int MaxPooledLength = 65_536;

    [ThreadStatic]
    private static ArrayPool<byte>? t_pool;

    [ThreadStatic]
    private static byte[]? t_lent;

    /// <summary>Opens a lease from <paramref name="pool"/> on this thread. Call <see cref="Close"/> in a <c>finally</c> on the same thread.</summary>
    public static void Open(ArrayPool<byte> pool)
    {
        t_pool = pool;
        t_lent = null;
    }

    /// <summary>Closes the lease of this thread and returns the array it lent, if a state was serialized into one.</summary>
    public static byte[]? Close()
    {
        var lent = t_lent;
        t_pool = null;
        t_lent = null;
        return lent;
    }

    /// <summary>
    /// Copies <paramref name="bytes"/> into an array from the pool when this thread has an open lease not yet used, and
    /// into a new array of their exact length otherwise.
    /// </summary>
    internal static ReadOnlyMemory<byte> Copy(ReadOnlySpan<byte> bytes)
    {
        if (t_pool is not { } pool || t_lent is not null)
        {
            return bytes.ToArray();
        }

        var array = pool.Rent(bytes.Length);
        bytes.CopyTo(array);
        t_lent = array;
        return array.AsMemory(0, bytes.Length);
    }
}
