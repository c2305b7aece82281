using Microsoft.Extensions.Options;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Channels;
using Sendora.Grains.Health;
using Sendora.Grains.Ingestion;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private static void MapHealthRoutes(RouteGroupBuilder admin)
    {
        admin.MapGet("/workspaces/{workspaceId}/alerts", ListAlertsAsync).WithName("ListAlerts")
            .WithSummary("Lists a workspace's open alerts, newest first, then its recently resolved ones");
        admin.MapGet("/workspaces/{workspaceId}/sources/{sourceId}/health", GetSourceHealthAsync).WithName("GetSourceHealth")
            .WithSummary("Returns a source's counts per minute and per hour and the state of its volume alert");
        admin.MapGet("/workspaces/{workspaceId}/channels/{channel}/health", GetChannelHealthAsync).WithName("GetChannelHealth")
            .WithSummary("Returns a channel's delivery counts over the last hour and the state of its delivery alert");
    }

    private static async Task<IResult> ListAlertsAsync(string workspaceId, IGrainFactory grains)
    {
        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        return TypedResults.Ok(new { data = await grains.GetGrain<IAlertGrain>(workspaceId).ListAsync() });
    }

    private static async Task<IResult> GetSourceHealthAsync(
        string workspaceId, string sourceId, IGrainFactory grains, IOptions<HealthOptions> options)
    {
        var source = await FindSourceAsync(workspaceId, sourceId, grains);
        if (source is null)
        {
            return SourceNotFound(workspaceId, sourceId);
        }

        var volume = await grains.GetGrain<ISourceHealthGrain>(GrainKeys.Scoped(workspaceId, sourceId)).GetVolumeAsync();
        return TypedResults.Ok(new
        {
            sourceId,
            volumeAlertPercent = source.VolumeAlertPercent ?? options.Value.VolumeAlertPercent,
            alert = new { open = volume.AlertOpen, lastCheck = volume.LastCheck },
            minutes = volume.Minutes,
            hours = volume.Hours,
        });
    }

    private static async Task<IResult> GetChannelHealthAsync(
        string workspaceId, string channel, IGrainFactory grains, IOptions<HealthOptions> options)
    {
        if (!DeliveryChannels.IsKnown(channel))
        {
            return Invalid("channel", "email, push or webhook");
        }

        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var report = await grains.GetGrain<IDeliveryHealthGrain>(GrainKeys.Scoped(workspaceId, channel)).GetAsync();
        return TypedResults.Ok(new
        {
            channel,
            report.Sent,
            report.Failed,
            report.OutcomeUnknown,
            report.NotAttempted,
            report.SuccessRate,
            threshold = options.Value.DeliverySuccessThreshold,
            minimumVolume = options.Value.DeliveryMinimumVolume,
            alert = new { open = report.AlertOpen },
        });
    }
}
