using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Audiences.ComputedTraits;

/// <summary>Computed traits with a <c>last</c> or <c>between_days_ago</c> window, kept as entries.</summary>
public sealed partial class ComputedTraitDefinition
{
    private bool ApplyWindowed(ComputedTraitState state, ComputedTraitEntry entry, DateTimeOffset now)
    {
        var entries = state.Entries;
        DropExpired(entries, now);
        if (_window!.SpanOf(entry.Timestamp) is not { } span || span.End <= now)
        {
            return false;
        }

        // NOTE: past MaxWindowEntries the oldest entry goes, so a busy window counts only its newest events.
        if (entries.Count >= ComputedTraitLimits.MaxWindowEntries)
        {
            if (entry.Timestamp <= entries[0].Timestamp)
            {
                return false;
            }

            entries.RemoveAt(0);
        }

        entries.Insert(UpperBound(entries, entry.Timestamp), entry);
        return true;
    }

    private JsonElement? WindowedValue(ComputedTraitState state, DateTimeOffset now)
    {
        var inside = state.Entries.Where(entry => _window!.Contains(entry.Timestamp, now)).ToList();
        switch (_kind)
        {
            case ComputedTraitKind.Count:
                return NumberElement(inside.Count);
            case ComputedTraitKind.Sum:
                return NumberElement(SumOf(inside));
            case ComputedTraitKind.Average:
                return inside.Count == 0 ? null : NumberElement(SumOf(inside) / inside.Count);
            case ComputedTraitKind.Min:
                return inside.Count == 0 ? null : NumberElement(inside.Min(entry => entry.Number!.Value));
            case ComputedTraitKind.Max:
                return inside.Count == 0 ? null : NumberElement(inside.Max(entry => entry.Number!.Value));
            case ComputedTraitKind.First:
                return inside.Count == 0 ? null : TextElement(inside[0].Value!);
            case ComputedTraitKind.Last:
                return inside.Count == 0 ? null : TextElement(inside[^1].Value!);
            case ComputedTraitKind.UniqueList:
                return ListElement(inside.Select(entry => entry.Value!).Distinct(StringComparer.Ordinal)
                    .Take(ComputedTraitLimits.MaxUniqueValues).ToList());
            case ComputedTraitKind.UniqueCount:
                return NumberElement(inside.Select(entry => entry.Value!).Distinct(StringComparer.Ordinal).Count());
            default:
                var counts = inside.GroupBy(entry => entry.Value!, StringComparer.Ordinal)
                    .Select(group => KeyValuePair.Create(group.Key, (long)group.Count()));
                return MostFrequent(counts) is { } value ? TextElement(value) : null;
        }
    }

    private static decimal SumOf(IEnumerable<ComputedTraitEntry> entries) =>
        entries.Aggregate(0m, (sum, entry) => SaturatingAdd(sum, entry.Number!.Value));

    private DateTimeOffset? NextWindowChange(ComputedTraitState state, DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (var entry in state.Entries)
        {
            if (_window!.SpanOf(entry.Timestamp) is not { } span)
            {
                continue;
            }

            if (span.Start > now)
            {
                next = Instants.Min(next, span.Start);
            }
            else if (span.End > now && span.End != Instants.Never)
            {
                next = Instants.Min(next, span.End);
            }
        }

        return next;
    }

    private void MergeWindowed(ComputedTraitState state, ComputedTraitState other)
    {
        // A stable sort keeps this profile's entries ahead of the other's among equal timestamps.
        var merged = state.Entries.Concat(other.Entries).OrderBy(entry => entry.Timestamp).ToList();
        if (merged.Count > ComputedTraitLimits.MaxWindowEntries)
        {
            merged.RemoveRange(0, merged.Count - ComputedTraitLimits.MaxWindowEntries);
        }

        state.Entries = merged;
    }

    /// <summary>Removes the entries whose window has closed, which are the oldest and so lead the list.</summary>
    private void DropExpired(List<ComputedTraitEntry> entries, DateTimeOffset now)
    {
        var expired = 0;
        while (expired < entries.Count && _window!.SpanOf(entries[expired].Timestamp) is { } span && span.End <= now)
        {
            expired++;
        }

        entries.RemoveRange(0, expired);
    }

    /// <summary>Returns the index after every entry stamped at or before <paramref name="timestamp"/>.</summary>
    private static int UpperBound(List<ComputedTraitEntry> entries, DateTimeOffset timestamp)
    {
        int low = 0, high = entries.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (entries[middle].Timestamp <= timestamp)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
