namespace Sendora.Grains;

/// <summary>
/// Creates references to string-keyed grains on hot paths. In Orleans 10.4, <c>GetGrain&lt;T&gt;(key)</c> reads
/// the interface's attributes by reflection on every call, which CPU profiles of the ingest path show. This class
/// resolves the grain and interface types once per interface and then builds each reference from its grain id.
/// </summary>
public static class GrainReferences
{
    /// <summary>Returns the reference that <c>factory.GetGrain&lt;TGrain&gt;(key)</c> returns.</summary>
    public static TGrain Reference<TGrain>(this IGrainFactory factory, string key)
        where TGrain : IGrainWithStringKey
    {
        if (TypesOf<TGrain>.Resolved is { } types)
        {
            return (TGrain)factory.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        }

        var grain = factory.GetGrain<TGrain>(key);
        if (grain is GrainReference reference)
        {
            TypesOf<TGrain>.Resolved = new ResolvedTypes(reference.GrainId.Type, reference.InterfaceType);
        }

        return grain;
    }

    private sealed record ResolvedTypes(GrainType Grain, GrainInterfaceType Interface);

    // One value per interface. Every host of a cluster maps an interface to the same grain type, so the value
    // serves every client and silo of the process.
    private static class TypesOf<TGrain>
    {
        public static ResolvedTypes? Resolved;
    }
}
