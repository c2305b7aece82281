using System.Globalization;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// The time window of an event condition, a funnel or a computed trait. Windows that end at the
/// current time have no upper bound, so an event stamped a little in the future (a client clock that
/// runs ahead) counts at once.
/// </summary>
internal sealed class EventWindow
{
    private EventWindow(WindowKind kind, TimeSpan length, int fromDays, int toDays, DateTimeOffset since)
    {
        Kind = kind;
        Length = length;
        FromDays = fromDays;
        ToDays = toDays;
        Since = since;
    }

    public WindowKind Kind { get; }

    /// <summary>The length of a <see cref="WindowKind.Last"/> window.</summary>
    public TimeSpan Length { get; }

    public int FromDays { get; }

    public int ToDays { get; }

    public DateTimeOffset Since { get; }

    public static EventWindow Last(TimeSpan length) => new(WindowKind.Last, length, 0, 0, default);

    public static EventWindow BetweenDaysAgo(int fromDays, int toDays) =>
        new(WindowKind.BetweenDaysAgo, default, fromDays, toDays, default);

    public static EventWindow StartingAt(DateTimeOffset since) => new(WindowKind.Since, default, 0, 0, since);

    /// <summary>
    /// Returns the instants at which an event with this timestamp is inside the window, or null when it
    /// never is.
    /// </summary>
    public ActiveSpan? SpanOf(DateTimeOffset timestamp) => Kind switch
    {
        WindowKind.Last => new ActiveSpan(Instants.Always, Instants.Add(timestamp, Length)),
        WindowKind.BetweenDaysAgo => new ActiveSpan(
            Instants.Add(timestamp, TimeSpan.FromDays(FromDays)),
            Instants.Add(timestamp, TimeSpan.FromDays(ToDays))),
        _ => timestamp >= Since ? ActiveSpan.Forever : null,
    };

    /// <summary>Returns whether an event with this timestamp is inside the window at <paramref name="now"/>.</summary>
    public bool Contains(DateTimeOffset timestamp, DateTimeOffset now) => SpanOf(timestamp)?.Contains(now) == true;

    public override string ToString() => Kind switch
    {
        WindowKind.Last => "in the last " + FormatDuration(Length),
        WindowKind.BetweenDaysAgo => $"between {FromDays} and {ToDays} days ago",
        _ => "since " + IsoDates.Format(Since),
    };

    public static string FormatDuration(TimeSpan duration)
    {
        if (duration.Ticks % TimeSpan.TicksPerDay == 0)
        {
            return Plural((long)duration.TotalDays, "day");
        }

        return duration.Ticks % TimeSpan.TicksPerHour == 0
            ? Plural((long)duration.TotalHours, "hour")
            : Plural((long)duration.TotalMinutes, "minute");
    }

    private static string Plural(long count, string unit) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + unit + (count == 1 ? string.Empty : "s");
}
