using Sendora.Grains.Admin.Audit;
using Sendora.Grains.Destinations;

namespace Sendora.Grains.Admin;

public sealed partial class WorkspaceGrain
{
    public async Task<DestinationDefinition> SaveDestinationAsync(DestinationDefinition destination, AuditEntry change)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ThrowIfMissing();
        var state = workspace.State;
        var index = state.Destinations.FindIndex(d => d.Id == destination.Id);
        var now = DateTimeOffset.UtcNow;
        DestinationDefinition stored;
        if (index < 0)
        {
            stored = destination with { CreatedAt = now, UpdatedAt = now };
            state.Destinations.Add(stored);
        }
        else
        {
            stored = destination with { CreatedAt = state.Destinations[index].CreatedAt, UpdatedAt = now };
            state.Destinations[index] = stored;
        }

        state.CatalogVersion++;
        QueueAudit(change);
        await WriteStateAsync();
        await SendAuditOutboxAsync();
        return stored;
    }

    public async Task<bool> DeleteDestinationAsync(string destinationId, AuditEntry change)
    {
        ThrowIfMissing();
        var state = workspace.State;
        if (state.Destinations.RemoveAll(d => d.Id == destinationId) == 0)
        {
            return false;
        }

        state.CatalogVersion++;
        QueueAudit(change);
        await WriteStateAsync();
        await SendAuditOutboxAsync();
        return true;
    }

    public async Task RecordAsync(AuditEntry change)
    {
        ThrowIfMissing();
        QueueAudit(change);
        await WriteStateAsync();
        await SendAuditOutboxAsync();
    }
}
