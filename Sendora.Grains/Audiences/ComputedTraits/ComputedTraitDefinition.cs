using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Audiences.ComputedTraits;

/// <summary>
/// A parsed computed trait: which events it reads, which property, how it aggregates them and over which
/// window. It is immutable and contains no per-profile data. Each profile keeps a
/// <see cref="ComputedTraitState"/>, and every operation on that state goes through this class.
/// </summary>
/// <remarks>
/// Each event updates the state in O(1), or O(log n) plus a list insert for windowed traits. After a
/// definition changes, its <see cref="Fingerprint"/> changes too: create a new state and apply the kept
/// events again.
/// </remarks>
public sealed partial class ComputedTraitDefinition
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = ConditionLimits.MaxJsonDepth };

    // Value texts are only stored and parsed back, never embedded in HTML, so relaxed escaping is safe.
    private static readonly JsonSerializerOptions ValueTextOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly Dictionary<string, ComputedTraitKind> KindsByName = new(StringComparer.Ordinal)
    {
        ["count"] = ComputedTraitKind.Count,
        ["sum"] = ComputedTraitKind.Sum,
        ["average"] = ComputedTraitKind.Average,
        ["min"] = ComputedTraitKind.Min,
        ["max"] = ComputedTraitKind.Max,
        ["most_frequent"] = ComputedTraitKind.MostFrequent,
        ["first"] = ComputedTraitKind.First,
        ["last"] = ComputedTraitKind.Last,
        ["unique_list"] = ComputedTraitKind.UniqueList,
        ["unique_count"] = ComputedTraitKind.UniqueCount,
    };

    private readonly ComputedTraitKind _kind;
    private readonly EventMatcher _matcher;
    private readonly FieldPath? _property;
    private readonly EventWindow? _window;

    private ComputedTraitDefinition(
        string kind, string fingerprint, EventMatcher matcher, FieldPath? property, EventWindow? window)
    {
        Kind = kind;
        Fingerprint = fingerprint;
        _kind = KindsByName[kind];
        _matcher = matcher;
        _property = property;
        _window = window;
    }

    /// <summary>count, sum, average, min, max, most_frequent, first, last, unique_list or unique_count.</summary>
    public string Kind { get; }

    /// <summary>A hash of the definition's JSON, recorded in every state the definition creates.</summary>
    public string Fingerprint { get; }

    /// <summary>Whether the trait keeps timestamped entries and changes as they leave its window.</summary>
    private bool IsWindowed => _window is { Kind: WindowKind.Last or WindowKind.BetweenDaysAgo };

    /// <summary>
    /// Parses and validates a definition, with errors in the style of <see cref="Condition.Parse(JsonElement)"/>.
    /// </summary>
    public static ComputedTraitParseResult Parse(JsonElement definition)
    {
        var reader = new DefinitionReader();
        var parsed = Read(definition, reader);
        return parsed is null || reader.ErrorCount > 0
            ? new ComputedTraitParseResult(null, reader.Errors)
            : new ComputedTraitParseResult(parsed, []);
    }

    /// <summary>Parses a definition from JSON text. Text that is not JSON is an error at <c>$</c>.</summary>
    public static ComputedTraitParseResult Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, JsonOptions);
            return Parse(document.RootElement);
        }
        catch (JsonException exception)
        {
            var error = new ConditionError("$", "The definition is not valid JSON: " + exception.Message);
            return new ComputedTraitParseResult(null, [error]);
        }
    }

    public ComputedTraitState CreateState() => new() { Kind = Kind, Fingerprint = Fingerprint };

    /// <summary>Returns whether <paramref name="state"/> was created by this definition or an identical one.</summary>
    public bool Owns(ComputedTraitState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Kind == Kind && state.Fingerprint == Fingerprint;
    }

    /// <summary>
    /// Applies one event and returns whether the value may have changed. Events may arrive in any order.
    /// A windowed trait also drops the entries that left its window by <paramref name="now"/>, and skips an
    /// event that is already outside it.
    /// </summary>
    public bool Apply(ComputedTraitState state, EventFact e, DateTimeOffset now)
    {
        RequireOwned(state, nameof(state));
        ArgumentNullException.ThrowIfNull(e);
        if (!_matcher.MatchesName(e)
            || (_window is { Kind: WindowKind.Since } since && e.Timestamp < since.Since)
            || !_matcher.TestProperties(e, null, e.Timestamp).Matches
            || !TryReadEntry(e, out var entry))
        {
            return false;
        }

        return IsWindowed ? ApplyWindowed(state, entry, now) : ApplyRunning(state, entry);
    }

    /// <summary>
    /// Computes the value at <paramref name="now"/>. It is null when there is none: an average, min, max,
    /// most_frequent, first or last of no values. Count, sum and unique_count of nothing are 0, and a
    /// unique_list of nothing is an empty array.
    /// </summary>
    public JsonElement? Value(ComputedTraitState state, DateTimeOffset now)
    {
        RequireOwned(state, nameof(state));
        return IsWindowed ? WindowedValue(state, now) : RunningValue(state);
    }

    /// <summary>
    /// Returns the earliest instant after <paramref name="now"/> at which an entry enters or leaves the
    /// window, or null for a trait without a window. The value may stay the same at that instant.
    /// </summary>
    public DateTimeOffset? NextChangeAt(ComputedTraitState state, DateTimeOffset now)
    {
        RequireOwned(state, nameof(state));
        return IsWindowed ? NextWindowChange(state, now) : null;
    }

    /// <summary>
    /// Merges the state of an absorbed profile into <paramref name="state"/>: counts and sums add, min and
    /// max combine, first keeps the earlier and last the later value, unique values and frequencies combine
    /// within their bounds, and windowed entries combine within theirs.
    /// </summary>
    public void Merge(ComputedTraitState state, ComputedTraitState other)
    {
        RequireOwned(state, nameof(state));
        RequireOwned(other, nameof(other));
        if (IsWindowed)
        {
            MergeWindowed(state, other);
        }
        else
        {
            MergeRunning(state, other);
        }
    }

    private void RequireOwned(ComputedTraitState state, string parameter)
    {
        if (!Owns(state))
        {
            throw new ArgumentException(
                $"The state was created by another definition (kind {state.Kind}, fingerprint {state.Fingerprint}) "
                + $"than this one (kind {Kind}, fingerprint {Fingerprint}). "
                + "Create a new state with CreateState and apply the kept events again.",
                parameter);
        }
    }

    /// <summary>Reads the property an event contributes, returning false when the event has no usable value.</summary>
    private bool TryReadEntry(EventFact e, out ComputedTraitEntry entry)
    {
        entry = new ComputedTraitEntry(e.Timestamp, null, null);
        if (_kind == ComputedTraitKind.Count)
        {
            return true;
        }

        if (!_property!.TryFind(e.Properties, out var value))
        {
            return false;
        }

        switch (_kind)
        {
            case ComputedTraitKind.Sum or ComputedTraitKind.Average or ComputedTraitKind.Min or ComputedTraitKind.Max:
                // A number beyond the range of decimal (about ±7.9e28) is skipped like a non-number.
                if (!JsonNumber.TryRead(value, out var number) || number.Exact is not { } exact)
                {
                    return false;
                }

                entry = entry with { Number = exact };
                return true;

            case ComputedTraitKind.First or ComputedTraitKind.Last:
                break;

            default:
                if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    return false;
                }

                break;
        }

        var text = JsonSerializer.Serialize(value, ValueTextOptions);
        if (text.Length > ComputedTraitLimits.MaxValueLength)
        {
            return false;
        }

        entry = entry with { Value = text };
        return true;
    }

    private static string FingerprintOf(JsonElement definition)
    {
        var text = JsonSerializer.Serialize(definition);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }
}
