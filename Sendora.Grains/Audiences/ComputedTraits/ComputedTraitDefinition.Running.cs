using System.IO.Hashing;
using System.Text;
using System.Text.Json;

namespace Sendora.Grains.Audiences.ComputedTraits;

/// <summary>Running totals of computed traits without a window.</summary>
public sealed partial class ComputedTraitDefinition
{
    private bool ApplyRunning(ComputedTraitState state, ComputedTraitEntry entry)
    {
        state.Count++;
        switch (_kind)
        {
            case ComputedTraitKind.Count:
                return true;

            case ComputedTraitKind.Sum or ComputedTraitKind.Average:
                state.Sum = SaturatingAdd(state.Sum, entry.Number!.Value);
                state.NumberCount++;
                return true;

            case ComputedTraitKind.Min:
                if (state.Min is { } min && min <= entry.Number)
                {
                    return false;
                }

                state.Min = entry.Number;
                return true;

            case ComputedTraitKind.Max:
                if (state.Max is { } max && max >= entry.Number)
                {
                    return false;
                }

                state.Max = entry.Number;
                return true;

            case ComputedTraitKind.First:
                if (state.First is { } first && first.Timestamp <= entry.Timestamp)
                {
                    return false;
                }

                state.First = entry;
                return true;

            case ComputedTraitKind.Last:
                if (state.Last is { } last && last.Timestamp > entry.Timestamp)
                {
                    return false;
                }

                state.Last = entry;
                return true;

            case ComputedTraitKind.UniqueList:
                return AddUniqueValue(state.UniqueValues, entry.Value!);

            case ComputedTraitKind.UniqueCount:
                // NOTE: past MaxUniqueCount distinct values the count stops growing.
                return state.UniqueHashes.Count < ComputedTraitLimits.MaxUniqueCount
                    && state.UniqueHashes.Add(HashOf(entry.Value!));

            default:
                CountOccurrence(state.Frequencies, entry.Value!, 1);
                return true;
        }
    }

    private JsonElement? RunningValue(ComputedTraitState state) => _kind switch
    {
        ComputedTraitKind.Count => NumberElement(state.Count),
        ComputedTraitKind.Sum => NumberElement(state.Sum),
        ComputedTraitKind.Average => state.NumberCount == 0 ? null : NumberElement(state.Sum / state.NumberCount),
        ComputedTraitKind.Min => state.Min is { } min ? NumberElement(min) : null,
        ComputedTraitKind.Max => state.Max is { } max ? NumberElement(max) : null,
        ComputedTraitKind.First => state.First is { } first ? TextElement(first.Value!) : null,
        ComputedTraitKind.Last => state.Last is { } last ? TextElement(last.Value!) : null,
        ComputedTraitKind.UniqueList => ListElement(state.UniqueValues),
        ComputedTraitKind.UniqueCount => NumberElement(state.UniqueHashes.Count),
        _ => MostFrequent(state.Frequencies) is { } value ? TextElement(value) : null,
    };

    private static void MergeRunning(ComputedTraitState state, ComputedTraitState other)
    {
        state.Count += other.Count;
        state.NumberCount += other.NumberCount;
        state.Sum = SaturatingAdd(state.Sum, other.Sum);
        state.Min = other.Min is { } otherMin && (state.Min is null || otherMin < state.Min) ? otherMin : state.Min;
        state.Max = other.Max is { } otherMax && (state.Max is null || otherMax > state.Max) ? otherMax : state.Max;
        if (other.First is { } first && (state.First is null || first.Timestamp < state.First.Timestamp))
        {
            state.First = first;
        }

        if (other.Last is { } last && (state.Last is null || last.Timestamp > state.Last.Timestamp))
        {
            state.Last = last;
        }

        foreach (var value in other.UniqueValues)
        {
            AddUniqueValue(state.UniqueValues, value);
        }

        foreach (var hash in other.UniqueHashes)
        {
            if (state.UniqueHashes.Count >= ComputedTraitLimits.MaxUniqueCount)
            {
                break;
            }

            state.UniqueHashes.Add(hash);
        }

        foreach (var (value, count) in other.Frequencies)
        {
            state.Frequencies[value] = state.Frequencies.GetValueOrDefault(value) + count;
        }

        // Keep the most frequent values when the union went past the bound.
        if (state.Frequencies.Count > ComputedTraitLimits.MaxFrequencies)
        {
            var mostFrequent = state.Frequencies
                .OrderByDescending(pair => pair.Value)
                .ThenBy(pair => pair.Key, StringComparer.Ordinal)
                .Take(ComputedTraitLimits.MaxFrequencies)
                .ToList();
            state.Frequencies.Clear();
            foreach (var (value, count) in mostFrequent)
            {
                state.Frequencies[value] = count;
            }
        }
    }

    private static bool AddUniqueValue(List<string> values, string value)
    {
        // NOTE: a unique_list keeps the first MaxUniqueValues distinct values and ignores later new ones.
        if (values.Count >= ComputedTraitLimits.MaxUniqueValues || values.Contains(value, StringComparer.Ordinal))
        {
            return false;
        }

        values.Add(value);
        return true;
    }

    /// <summary>
    /// Counts one occurrence. When <paramref name="frequencies"/> is full, a new value replaces the least
    /// frequent one and inherits its count (the Space-Saving algorithm). A value that makes up more than
    /// 1/MaxFrequencies of all occurrences is always among the tracked values, but a newcomer's count can
    /// be too high.
    /// </summary>
    private static void CountOccurrence(Dictionary<string, long> frequencies, string value, long occurrences)
    {
        if (frequencies.TryGetValue(value, out var count))
        {
            frequencies[value] = count + occurrences;
            return;
        }

        if (frequencies.Count < ComputedTraitLimits.MaxFrequencies)
        {
            frequencies[value] = occurrences;
            return;
        }

        var least = frequencies.MinBy(pair => pair.Value);
        frequencies.Remove(least.Key);
        frequencies[value] = least.Value + occurrences;
    }

    /// <summary>Returns the value with the highest count, and on a tie the one that sorts first by ordinal.</summary>
    private static string? MostFrequent(IEnumerable<KeyValuePair<string, long>> frequencies)
    {
        string? best = null;
        long bestCount = 0;
        foreach (var (value, count) in frequencies)
        {
            if (best is null || count > bestCount || (count == bestCount && string.CompareOrdinal(value, best) < 0))
            {
                best = value;
                bestCount = count;
            }
        }

        return best;
    }

    private static ulong HashOf(string value) => XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(value));

    /// <summary>Adds two amounts, saturating at the range of decimal (about ±7.9e28) instead of failing.</summary>
    private static decimal SaturatingAdd(decimal left, decimal right)
    {
        try
        {
            return left + right;
        }
        catch (OverflowException)
        {
            return left > 0 ? decimal.MaxValue : decimal.MinValue;
        }
    }
}
