using System.Text.Json;

namespace Sendora.Gateway.Tracking;

/// <summary>Property lookups on messages, which may contain names that escape an unpaired surrogate.</summary>
internal static class JsonLookup
{
    /// <summary>
    /// Finds the property <paramref name="name"/> like <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/>,
    /// which throws when the object contains a name escaping an unpaired surrogate. In that case the
    /// names are read one by one, cleaned as every string is, and the last match wins, as it does in
    /// <c>TryGetProperty</c>.
    /// </summary>
    public static bool TryFindProperty(this JsonElement element, string name, out JsonElement value)
    {
        try
        {
            return element.TryGetProperty(name, out value);
        }
        catch (InvalidOperationException)
        {
            var found = false;
            value = default;
            foreach (var property in element.EnumerateObject())
            {
                if (MessageNormalizer.ReadName(property) == name)
                {
                    value = property.Value;
                    found = true;
                }
            }

            return found;
        }
    }
}
