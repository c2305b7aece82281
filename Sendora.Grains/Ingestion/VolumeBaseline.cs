using Sendora.Grains.Health;

namespace Sendora.Grains.Ingestion;

/// <summary>Computes the typical volume of an hour from a source's hourly counts.</summary>
public static class VolumeBaseline
{
    /// <summary>The number of earlier days whose same hour makes up the typical volume.</summary>
    public const int HistoryDays = 7;

    /// <summary>How many of those days need data in the same hour before the volume can raise an alert.</summary>
    public const int MinimumDays = 3;

    /// <summary>
    /// Checks the accepted messages of the hour starting at <paramref name="hourStart"/> against the mean of the same
    /// hour on each of the previous 7 days on which that hour had any message (accepted, rejected or duplicate). Days
    /// without data in that hour, such as those before the source existed, are left out of the mean.
    /// </summary>
    public static VolumeCheck Check(List<IntakeCounts> hours, DateTimeOffset hourStart, int percent)
    {
        ArgumentNullException.ThrowIfNull(hours);
        var earlier = new List<long>();
        for (var day = 1; day <= HistoryDays; day++)
        {
            if (TimeBuckets.Find(hours, hourStart.AddDays(-day)) is { } bucket && HasData(bucket))
            {
                earlier.Add(bucket.Accepted);
            }
        }

        return new VolumeCheck
        {
            HourStart = hourStart,
            Observed = TimeBuckets.Find(hours, hourStart)?.Accepted ?? 0,
            Expected = earlier.Count >= MinimumDays ? earlier.Average() : null,
            DaysWithData = earlier.Count,
            Percent = percent,
        };
    }

    private static bool HasData(IntakeCounts counts) => counts.Accepted + counts.Rejected + counts.Duplicates > 0;
}
