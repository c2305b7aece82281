using System.Globalization;

namespace Sendora.Grains.Admin.Audit;

/// <summary>
/// One segment of a workspace's audit log: the UTC day its entries were made and its number within that day,
/// from 0. A day's entries go to its last segment, and to a new one once that is full.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.AuditSegmentInfo")]
public sealed record AuditSegmentInfo([property: Id(0)] DateOnly Day, [property: Id(1)] int Number)
{
    private const string DayFormat = "yyyy-MM-dd";

    /// <summary>Returns the key of this segment's grain: <c>{workspaceId}/audit/{yyyy-MM-dd}/{number}</c>.</summary>
    public string GrainKey(string workspaceId) => GrainKeys.Scoped(workspaceId,
        string.Create(CultureInfo.InvariantCulture, $"audit/{Day.ToString(DayFormat, CultureInfo.InvariantCulture)}/{Number}"));

    /// <summary>Returns the UTC day that <paramref name="at"/> falls on.</summary>
    public static DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    /// <summary>Returns the start of the UTC day after <paramref name="day"/>, when every entry of the day is older.</summary>
    public static DateTimeOffset EndOf(DateOnly day) => new(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>Reads the workspace id and the segment from a key made by <see cref="GrainKey"/>.</summary>
    public static (string WorkspaceId, AuditSegmentInfo Segment) ParseGrainKey(string key)
    {
        var (workspaceId, id) = GrainKeys.Split(key);
        var parts = id.Split('/');
        if (parts.Length != 3 || parts[0] != "audit"
            || !DateOnly.TryParseExact(parts[1], DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new ArgumentException(
                $"Grain key '{key}' is not of the form '{{workspaceId}}/audit/{{yyyy-MM-dd}}/{{number}}'.", nameof(key));
        }

        return (workspaceId, new AuditSegmentInfo(day, number));
    }
}
