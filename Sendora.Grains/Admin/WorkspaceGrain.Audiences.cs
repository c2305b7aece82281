using Sendora.Grains.Admin.Audit;
using Sendora.Grains.Audiences;

namespace Sendora.Grains.Admin;

public sealed partial class WorkspaceGrain
{
    public async Task<AudienceDefinition> SaveAudienceAsync(
        AudienceDefinition audience, IReadOnlyList<string> dependsOn, AuditEntry change)
    {
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentNullException.ThrowIfNull(dependsOn);
        ThrowIfMissing();
        var state = workspace.State;
        foreach (var reference in dependsOn)
        {
            if (reference == audience.Id)
            {
                throw new AudienceReferenceException($"Audience '{audience.Id}' refers to itself.");
            }

            if (!state.Audiences.Exists(a => a.Id == reference))
            {
                throw new AudienceReferenceException($"Audience '{audience.Id}' refers to audience '{reference}', which does not exist.");
            }

            if (FindPath(reference, audience.Id) is { } path)
            {
                throw new AudienceReferenceException(
                    $"Audience '{audience.Id}' refers to '{reference}', which leads back to it: {string.Join(" -> ", [audience.Id, .. path])}.");
            }
        }

        var index = state.Audiences.FindIndex(a => a.Id == audience.Id);
        var now = DateTimeOffset.UtcNow;
        AudienceDefinition stored;
        if (index < 0)
        {
            stored = audience with { Version = 1, CreatedAt = now, UpdatedAt = now, CreatedInCatalog = state.CatalogVersion + 1 };
            state.Audiences.Add(stored);
        }
        else
        {
            var old = state.Audiences[index];
            var version = old.ConditionJson == audience.ConditionJson ? old.Version : old.Version + 1;
            stored = audience with
            {
                Version = version,
                CreatedAt = old.CreatedAt,
                UpdatedAt = now,
                CreatedInCatalog = old.CreatedInCatalog,
            };
            state.Audiences[index] = stored;
        }

        state.AudienceReferences[audience.Id] = [.. dependsOn.Distinct()];
        state.CatalogVersion++;
        QueueAudit(change);
        await WriteStateAsync();
        await SendAuditOutboxAsync();
        return stored;
    }

    public async Task<bool> DeleteAudienceAsync(string audienceId, AuditEntry change)
    {
        ThrowIfMissing();
        var state = workspace.State;
        if (!state.Audiences.Exists(a => a.Id == audienceId))
        {
            return false;
        }

        var dependents = state.AudienceReferences.Where(pair => pair.Value.Contains(audienceId)).Select(pair => pair.Key).ToList();
        if (dependents.Count > 0)
        {
            throw new AudienceReferenceException(
                $"Audience '{audienceId}' cannot be deleted because these audiences refer to it: {string.Join(", ", dependents.Select(d => $"'{d}'"))}.");
        }

        state.Audiences.RemoveAll(a => a.Id == audienceId);
        state.AudienceReferences.Remove(audienceId);
        state.CatalogVersion++;
        QueueAudit(change);
        await WriteStateAsync();
        await SendAuditOutboxAsync();
        return true;
    }

    public async Task<ComputedTraitRecord> SaveComputedTraitAsync(ComputedTraitRecord trait, AuditEntry change)
    {
        ArgumentNullException.ThrowIfNull(trait);
        ThrowIfMissing();
        var state = workspace.State;
        var index = state.ComputedTraits.FindIndex(t => t.Key == trait.Key);
        var now = DateTimeOffset.UtcNow;
        ComputedTraitRecord stored;
        if (index < 0)
        {
            stored = trait with { Version = 1, CreatedAt = now, UpdatedAt = now };
            state.ComputedTraits.Add(stored);
        }
        else
        {
            var old = state.ComputedTraits[index];
            var version = old.DefinitionJson == trait.DefinitionJson ? old.Version : old.Version + 1;
            stored = trait with { Version = version, CreatedAt = old.CreatedAt, UpdatedAt = now };
            state.ComputedTraits[index] = stored;
        }

        state.CatalogVersion++;
        QueueAudit(change);
        await WriteStateAsync();
        await SendAuditOutboxAsync();
        return stored;
    }

    public async Task<bool> DeleteComputedTraitAsync(string key, IReadOnlyCollection<string> referencingAudiences, AuditEntry change)
    {
        ThrowIfMissing();
        var state = workspace.State;
        if (!state.ComputedTraits.Exists(t => t.Key == key))
        {
            return false;
        }

        if (referencingAudiences.Count > 0)
        {
            throw new AudienceReferenceException(
                $"Computed trait '{key}' cannot be deleted because these audiences refer to it: {string.Join(", ", referencingAudiences.Select(a => $"'{a}'"))}.");
        }

        state.ComputedTraits.RemoveAll(t => t.Key == key);
        state.CatalogVersion++;
        QueueAudit(change);
        await WriteStateAsync();
        await SendAuditOutboxAsync();
        return true;
    }

    public Task<AudienceCatalog> GetCatalogAsync()
    {
        var state = workspace.State;
        return Task.FromResult(new AudienceCatalog(state.CatalogVersion, OrderByReferences(), [.. state.ComputedTraits])
        {
            Journeys = [.. state.JourneyEntries.Values],
            Destinations = [.. state.Destinations],
        });
    }

    // Depth-first search along references from `from`; returns the path to `to`, or null.
    private List<string>? FindPath(string from, string to)
    {
        var references = workspace.State.AudienceReferences;
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();

        bool Visit(string node)
        {
            path.Add(node);
            if (node == to)
            {
                return true;
            }

            if (visited.Add(node) && references.TryGetValue(node, out var next) && next.Any(Visit))
            {
                return true;
            }

            path.RemoveAt(path.Count - 1);
            return false;
        }

        return Visit(from) ? path : null;
    }

    // Audiences after those they refer to; saving rejects cycles, so every audience is placed.
    private List<AudienceDefinition> OrderByReferences()
    {
        var state = workspace.State;
        var byId = state.Audiences.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var ordered = new List<AudienceDefinition>(state.Audiences.Count);
        var placed = new HashSet<string>(StringComparer.Ordinal);

        void Place(AudienceDefinition audience)
        {
            if (!placed.Add(audience.Id))
            {
                return;
            }

            foreach (var reference in state.AudienceReferences.GetValueOrDefault(audience.Id) ?? [])
            {
                if (byId.TryGetValue(reference, out var dependency))
                {
                    Place(dependency);
                }
            }

            ordered.Add(audience);
        }

        foreach (var audience in state.Audiences)
        {
            Place(audience);
        }

        return ordered;
    }
}
