using Orleans.Concurrency;

namespace Sendora.Grains.Channels;

[StatelessWorker]
public sealed class UnsubscribeGrain(UnsubscribeTokens tokens) : Grain, IUnsubscribeGrain
{
    public Task<UnsubscribeTarget?> ReadAsync(string token) => Task.FromResult(tokens.Read(token));

    public async Task<UnsubscribeTarget?> UnsubscribeAsync(string token, string reason)
    {
        if (tokens.Read(token) is not { } target)
        {
            return null;
        }

        await GrainFactory.GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(target.WorkspaceId, target.ProfileId))
            .SetSubscriptionAsync(target.Channel, subscribed: false, reason);
        return target;
    }
}
