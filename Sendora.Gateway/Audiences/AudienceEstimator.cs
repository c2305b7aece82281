using Sendora.Grains;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Audiences;

/// <summary>
/// Estimates an audience's size before it is saved: evaluates the condition against up to a sample of the
/// workspace's profiles, walking the profile index evenly over its shards, and scales the share that matched
/// to the number of profiles. With a sample as large as the workspace the count is exact.
/// </summary>
public static class AudienceEstimator
{
    private const int Parallelism = 16;

    public static async Task<AudienceEstimate> EstimateAsync(IGrainFactory grains, string workspaceId, string conditionJson, int sample)
    {
        var shards = Enumerable.Range(0, IProfileIndexGrain.ShardCount)
            .Select(i => grains.GetGrain<IProfileIndexGrain>(IProfileIndexGrain.KeyOf(workspaceId, i))).ToList();
        var counts = await Task.WhenAll(shards.Select(s => s.CountAsync()));
        long total = counts.Sum(c => (long)c);

        // Each shard gives its share of the sample, so profiles of every shard are evaluated.
        var perShard = total <= sample ? int.MaxValue : Math.Max(1, sample / IProfileIndexGrain.ShardCount);
        var evaluated = 0L;
        var matched = 0L;
        foreach (var shard in shards)
        {
            var ids = await shard.ListAsync(null, Math.Min(perShard, 100_000));
            foreach (var chunk in ids.Chunk(Parallelism))
            {
                var results = await Task.WhenAll(chunk.Select(id =>
                    grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, id)).MatchesAsync(conditionJson)));
                evaluated += results.Count(r => r is not null);
                matched += results.Count(r => r == true);
            }
        }

        var exact = total <= sample;
        var estimate = matched;
        if (!exact && evaluated > 0)
        {
            estimate = (long)Math.Round((double)matched / evaluated * total);
        }

        return new AudienceEstimate(estimate, matched, evaluated, total, exact);
    }
}

/// <summary>
/// An estimated size: <see cref="Matched"/> of <see cref="Evaluated"/> profiles matched, scaled to
/// <see cref="Profiles"/>. Profiles merged into others are listed in the index but not evaluated.
/// </summary>
public sealed record AudienceEstimate(long Estimate, long Matched, long Evaluated, long Profiles, bool Exact);
