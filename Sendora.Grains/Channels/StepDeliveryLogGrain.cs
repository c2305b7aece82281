using Microsoft.Extensions.Options;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Channels;

/// <summary>Keeps the bounded delivery log of one journey step.</summary>
public sealed class StepDeliveryLogGrain(
    [PersistentState("steplog", SendoraNames.GrainStorage)] IPersistentState<DeliveryLog> log,
    IOptions<ChannelOptions> options) : Grain, IStepDeliveryLogGrain
{
    public async Task RecordAsync(DeliveryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (log.State.Record(record, options.Value.StepLogLimit))
        {
            await log.WriteStateAsync();
        }
    }

    public async Task EraseAsync(DeliveryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (log.State.Replace(record))
        {
            await log.WriteStateAsync();
        }
    }

    public Task<DeliveryLogPage> GetLogAsync(int offset, int limit) => Task.FromResult(log.State.Page(offset, limit));

    public Task<GrainInspection> InspectAsync(int maxItems) => Task.FromResult(GrainInspector.Inspect(this, log, maxItems));
}
