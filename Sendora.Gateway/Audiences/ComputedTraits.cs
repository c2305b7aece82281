using System.Text.Json;
using Sendora.Grains.Audiences.ComputedTraits;

namespace Sendora.Gateway.Audiences;

/// <summary>Checks computed trait definitions for the admin API.</summary>
public static class ComputedTraits
{
    /// <summary>Returns the errors of a definition, each with the JSON path of the bad node; empty when it is valid.</summary>
    public static IReadOnlyList<(string Path, string Message)> Validate(JsonElement definition) =>
        [.. ComputedTraitDefinition.Parse(definition).Errors.Select(e => (e.Path, e.Message))];
}
