namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private static void MapClusterRoutes(RouteGroupBuilder admin)
    {
        admin.MapGet("/cluster", GetClusterAsync).WithName("GetCluster").WithTags("Inspection")
            .WithSummary("Lists the cluster's silos with their status, address and start time, and activations per grain type");
    }

    private static async Task<IResult> GetClusterAsync(IGrainFactory grains, bool all = false)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: !all);
        var statistics = await management.GetSimpleGrainStatistics();
        var bySilo = statistics.ToLookup(s => s.SiloAddress);
        var silos = hosts
            .OrderBy(host => host.StartTime)
            .Select(host => new ClusterSilo(
                host.SiloAddress.ToParsableString(),
                host.SiloName,
                host.HostName,
                host.Status.ToString(),
                new DateTimeOffset(DateTime.SpecifyKind(host.StartTime, DateTimeKind.Utc)),
                new DateTimeOffset(DateTime.SpecifyKind(host.IAmAliveTime, DateTimeKind.Utc)),
                host.ProxyPort,
                bySilo[host.SiloAddress].Sum(s => s.ActivationCount),
                [.. bySilo[host.SiloAddress]
                    .OrderByDescending(s => s.ActivationCount)
                    .ThenBy(s => s.GrainType, StringComparer.Ordinal)
                    .Select(s => new GrainTypeActivations(s.GrainType, s.ActivationCount))]))
            .ToList();
        return TypedResults.Ok(new { silos, totalActivations = silos.Sum(s => s.Activations) });
    }
}

/// <summary>
/// One silo of the cluster as its membership entry records it, with the activations it hosts. Times are UTC, and
/// <see cref="IAmAliveAt"/> is when the silo last wrote to the membership table that it is alive.
/// </summary>
public sealed record ClusterSilo(
    string Address,
    string SiloName,
    string HostName,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset IAmAliveAt,
    int GatewayPort,
    int Activations,
    IReadOnlyList<GrainTypeActivations> GrainTypes);

/// <summary>How many activations of one grain class a silo hosts.</summary>
public sealed record GrainTypeActivations(string GrainType, int Activations);
