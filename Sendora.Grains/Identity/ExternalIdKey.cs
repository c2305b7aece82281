namespace Sendora.Grains.Identity;

/// <summary>An external id such as <c>user_id:42</c>: a type and a value.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ExternalIdKey")]
public readonly record struct ExternalIdKey([property: Id(0)] string Type, [property: Id(1)] string Value)
{
    /// <summary>Parses <c>type:value</c>; the value may itself contain colons.</summary>
    public static bool TryParse(string text, out ExternalIdKey key)
    {
        var colon = text.IndexOf(':');
        key = colon > 0 && colon < text.Length - 1 ? new ExternalIdKey(text[..colon], text[(colon + 1)..]) : default;
        return colon > 0 && colon < text.Length - 1;
    }

    /// <summary>Returns the key of the Identity grain for this id in <paramref name="workspaceId"/>.</summary>
    public string GrainKey(string workspaceId) => GrainKeys.ForExternalId(workspaceId, Type, Value);

    public override string ToString() => string.Concat(Type, ":", Value);
}
