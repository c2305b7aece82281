namespace Sendora.Grains.Ingestion;

/// <summary>One hour of a source's accepted messages held against the typical volume of that hour of day.</summary>
[GenerateSerializer, Immutable, Alias("sendora.VolumeCheck")]
public sealed record VolumeCheck
{
    /// <summary>The start of the checked hour, in UTC.</summary>
    [Id(0)] public required DateTimeOffset HourStart { get; init; }

    /// <summary>The messages accepted in the checked hour.</summary>
    [Id(1)] public required long Observed { get; init; }

    /// <summary>The mean accepted messages of the same hour on the earlier days that had data, or null without history.</summary>
    [Id(2)] public double? Expected { get; init; }

    /// <summary>How many of the previous 7 days had messages in the same hour.</summary>
    [Id(3)] public required int DaysWithData { get; init; }

    /// <summary>The allowed distance from <see cref="Expected"/>, in percent.</summary>
    [Id(4)] public required int Percent { get; init; }

    /// <summary>The fewest accepted messages within range, or null without enough history.</summary>
    public double? Lower => Expected * (100 - Math.Min(Percent, 100)) / 100.0;

    /// <summary>The most accepted messages within range, or null without enough history.</summary>
    public double? Upper => Expected * (100 + Percent) / 100.0;

    /// <summary>True when there is enough history and <see cref="Observed"/> lies outside the allowed range.</summary>
    public bool IsOutside => Observed < Lower || Observed > Upper;
}
