namespace Sendora.Grains.Inspection;

/// <summary>Builds a <see cref="GrainInspection"/> from inside a grain, for its <see cref="IInspectable"/> method.</summary>
public static class GrainInspector
{
    /// <summary>
    /// Reads <paramref name="state"/> as the activation holds it, and the silo and activation from the grain's
    /// context. It only reads, so a <c>[ReadOnly]</c> method can call it.
    /// </summary>
    public static GrainInspection Inspect<TState>(Grain grain, IPersistentState<TState> state, int maxItems)
    {
        ArgumentNullException.ThrowIfNull(grain);
        ArgumentNullException.ThrowIfNull(state);
        var context = grain.GrainContext;
        var (json, truncated) = GrainStateJson.Write(state.State, maxItems);
        return new GrainInspection
        {
            GrainId = context.GrainId.ToString(),
            Silo = context.Address.SiloAddress?.ToParsableString()
                ?? throw new InvalidOperationException($"The activation of {context.GrainId} has no silo address."),
            ActivationId = context.ActivationId.ToString(),
            RecordExists = state.RecordExists,
            ETag = state.Etag,
            StateJson = json,
            Truncated = truncated,
        };
    }
}
