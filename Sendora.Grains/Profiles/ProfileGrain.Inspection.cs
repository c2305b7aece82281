using Sendora.Grains.Audiences;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Profiles;

public sealed partial class ProfileGrain
{
    public Task<GrainInspection> InspectAsync(int maxItems)
    {
        ThrowIfStale();
        _ = State;
        return Task.FromResult(GrainInspector.Inspect(this, profile, maxItems) with { PackedBytes = _lastPackedLength });
    }

    public async Task<ProfileExplanation> ExplainAudiencesAsync(string? audienceId)
    {
        ThrowIfStale();
        var state = State;
        var now = clock.GetUtcNow();
        var explanation = new ProfileExplanation
        {
            ProfileId = _profileId,
            EvaluatedAt = now,
            MergedInto = state.MergedInto,
            Exists = state.CreatedAt is not null,
        };
        if (state.MergedInto is not null || state.CreatedAt is null)
        {
            return explanation;
        }

        // The newest catalog, not the one cached for evaluations, so that an audience edited a moment ago is explained
        // as it is now. The catalog is not kept, so the next evaluation reads it as it would have.
        var catalog = await catalogs.GetAsync(_workspaceId, long.MaxValue);
        var audiences = catalog.Audiences.Where(a => audienceId is null || a.Id == audienceId).ToList();
        var groups = audiences.Any(a => UsesGroups(a.ConditionJson)) ? await FetchGroupTraitsAsync() : [];

        var facts = new ProfileFacts(state, EventFacts(), groups, ComputedTraitValue);
        return explanation with
        {
            CatalogVersion = catalog.Version,
            Audiences = [.. audiences.Select(audience => Explain(audience, facts, now))],
        };
    }

    private AudienceExplanation Explain(AudienceDefinition audience, ProfileFacts facts, DateTimeOffset now)
    {
        var explanation = new AudienceExplanation
        {
            AudienceId = audience.Id,
            Name = audience.Name,
            Version = audience.Version,
            Enabled = audience.Enabled,
            Membership = State.Audiences.Memberships.GetValueOrDefault(audience.Id),
        };
        if (Parse(audience.ConditionJson) is not { } condition)
        {
            return explanation with { Problem = "The stored condition is invalid, so profiles skip this audience; save it again." };
        }

        var trace = condition.Explain(facts, now);
        return explanation with { Matches = trace.Result, Trace = trace };
    }
}
