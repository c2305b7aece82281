namespace Sendora.Grains.Health;

/// <summary>A count kept for one minute or one hour, starting at <see cref="Start"/>.</summary>
public interface ITimeBucket
{
    DateTimeOffset Start { get; }
}

/// <summary>Operations on a list of buckets kept in order of their start, with no two at the same start.</summary>
public static class TimeBuckets
{
    /// <summary>Returns the start of the period of length <paramref name="period"/> that contains <paramref name="at"/>, in UTC.</summary>
    public static DateTimeOffset Floor(DateTimeOffset at, TimeSpan period) =>
        new(at.UtcTicks - at.UtcTicks % period.Ticks, TimeSpan.Zero);

    /// <summary>Returns the bucket that starts at <paramref name="start"/>, inserting one made by <paramref name="create"/> in order.</summary>
    public static T GetOrAdd<T>(List<T> buckets, DateTimeOffset start, Func<DateTimeOffset, T> create)
        where T : ITimeBucket
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentNullException.ThrowIfNull(create);
        var index = buckets.Count;
        while (index > 0 && buckets[index - 1].Start >= start)
        {
            index--;
        }

        if (index < buckets.Count && buckets[index].Start == start)
        {
            return buckets[index];
        }

        var bucket = create(start);
        buckets.Insert(index, bucket);
        return bucket;
    }

    /// <summary>Returns the bucket that starts at <paramref name="start"/>, or the default when there is none.</summary>
    public static T? Find<T>(List<T> buckets, DateTimeOffset start)
        where T : ITimeBucket
    {
        ArgumentNullException.ThrowIfNull(buckets);
        return buckets.FirstOrDefault(b => b.Start == start);
    }

    /// <summary>Removes the buckets that start before <paramref name="cutoff"/> and returns whether there were any.</summary>
    public static bool RemoveBefore<T>(List<T> buckets, DateTimeOffset cutoff)
        where T : ITimeBucket
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var count = buckets.FindIndex(b => b.Start >= cutoff);
        if (count < 0)
        {
            count = buckets.Count;
        }

        buckets.RemoveRange(0, count);
        return count > 0;
    }
}
