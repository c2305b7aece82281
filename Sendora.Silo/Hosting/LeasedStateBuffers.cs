using System.Buffers;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Pooled arrays for grain states serialized during a storage write. A storage opens a lease on its thread around the
/// write call, <see cref="PooledStorageSerializer"/> puts the first state of that call into a pooled array, and the
/// storage returns the array once the write has succeeded.
/// </summary>
/// <remarks>
/// A storage that keeps the serialized bytes after its write, as memory storage does, must not open a lease. A write
/// that fails keeps its array, because the connection may still send a command that timed out.
/// </remarks>
public static class LeasedStateBuffers
{
    /// <summary>
    /// Creates a pool for serialized states, with more arrays than the shared pool because a silo has one write in
    /// flight per saving grain. It keeps at most 512 arrays of each size up to <see cref="MaxPooledLength"/>, about 67 MB.
    /// </summary>
    public static ArrayPool<byte> CreatePool() => ArrayPool<byte>.Create(MaxPooledLength, maxArraysPerBucket: 512);

    /// <summary>Maximum length of a pooled array. Longer states get arrays of their own.</summary>
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
    /// Copies <paramref name="bytes"/> into a pooled array if this thread has an unused open lease, and into a new array
    /// of their exact length otherwise.
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
