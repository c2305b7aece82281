using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// A field name that may be a dotted path into nested objects, such as <c>address.city</c>. A field
/// whose whole name matches wins over the path, so a trait literally named <c>address.city</c> is found.
/// </summary>
internal sealed class FieldPath
{
    private readonly string[] _segments;

    public FieldPath(string name)
    {
        Name = name;
        _segments = name.Split('.');
    }

    public string Name { get; }

    /// <summary>Returns whether every dot separates two non-empty names.</summary>
    public static bool IsValid(string name) => name.Length > 0 && name.Split('.').All(segment => segment.Length > 0);

    /// <summary>Finds the field in a JSON object. A JSON null counts as missing.</summary>
    public bool TryFind(JsonElement container, out JsonElement value)
    {
        if (container.ValueKind == JsonValueKind.Object && container.TryGetProperty(Name, out value))
        {
            return IsPresent(value);
        }

        return TryWalk(container, 0, out value);
    }

    /// <summary>Finds the field through a lookup of top-level names, such as a profile's traits.</summary>
    public bool TryFind(TryGetField lookup, out JsonElement value)
    {
        if (lookup(Name, out value))
        {
            return IsPresent(value);
        }

        if (_segments.Length == 1 || !lookup(_segments[0], out var root))
        {
            return false;
        }

        return TryWalk(root, 1, out value);
    }

    public delegate bool TryGetField(string name, out JsonElement value);

    private bool TryWalk(JsonElement current, int firstSegment, out JsonElement value)
    {
        value = current;
        for (var i = firstSegment; i < _segments.Length; i++)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(_segments[i], out value))
            {
                return false;
            }
        }

        return IsPresent(value);
    }

    private static bool IsPresent(JsonElement value) =>
        value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
}
