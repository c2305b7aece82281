using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Inspection;

/// <summary>The cluster view and grain inspection with two silo processes and a gateway, as production runs them.</summary>
public sealed class ClusterViewTests : IAsyncLifetime
{
    private const int UserCount = 40;

    private SendoraCluster? _cluster;

    private SendoraCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync()
    {
        _cluster = await SendoraCluster.StartAsync();
        _cluster.StartAdditionalSilo();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Cluster_TwoSilos_ShowsBothWithActivations()
    {
        var silos = await WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(90));
        for (var i = 0; i < UserCount; i++)
        {
            using var response = await Cluster.Http.SendAsync(Cluster.Track($"user-{i}", $"m-{i}"));
            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        var view = await GetAsync("/admin/v1/cluster");
        var hostingSilos = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < UserCount; i++)
        {
            var profile = await GetAsync($"/admin/v1/workspaces/default/inspect/profiles/user_id:user-{i}");
            hostingSilos.Add(profile.GetProperty("grain").GetProperty("silo").GetString()!);
        }

        var listed = view.GetProperty("silos").EnumerateArray().ToList();
        Assert.Equal(silos.Order(StringComparer.Ordinal), listed.Select(s => s.GetProperty("address").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(listed, silo => Assert.Equal("Active", silo.GetProperty("status").GetString()));
        Assert.All(listed, silo => Assert.True(silo.GetProperty("startedAt").GetDateTimeOffset() < DateTimeOffset.UtcNow));
        Assert.All(listed, silo => Assert.True(silo.GetProperty("activations").GetInt32() > 0, $"No activations on {silo}"));
        Assert.All(listed, silo => Assert.Equal(
            silo.GetProperty("activations").GetInt32(),
            silo.GetProperty("grainTypes").EnumerateArray().Sum(t => t.GetProperty("activations").GetInt32())));
        Assert.Equal(
            view.GetProperty("totalActivations").GetInt32(),
            listed.Sum(silo => silo.GetProperty("activations").GetInt32()));
        Assert.True(ProfileActivations(listed) >= UserCount, $"Expected at least {UserCount} profile activations: {view}");

        // Orleans 10 places activations by the silos' CPU and memory use, so how the profiles spread is not fixed.
        Assert.Subset(silos.ToHashSet(StringComparer.Ordinal), hostingSilos);
    }

    private static int ProfileActivations(List<JsonElement> silos) =>
        silos.SelectMany(silo => silo.GetProperty("grainTypes").EnumerateArray())
            .Where(type => type.GetProperty("grainType").GetString()!.StartsWith("Sendora.Grains.Profiles.ProfileGrain,", StringComparison.Ordinal))
            .Sum(type => type.GetProperty("activations").GetInt32());

    /// <summary>Polls the cluster view until <paramref name="count"/> silos are active, and returns their addresses.</summary>
    private async Task<List<string>> WaitForActiveSilosAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var view = await GetAsync("/admin/v1/cluster");
            var active = view.GetProperty("silos").EnumerateArray()
                .Where(silo => silo.GetProperty("status").GetString() == "Active")
                .Select(silo => silo.GetProperty("address").GetString()!)
                .ToList();
            if (active.Count >= count)
            {
                return active;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{count} silos were not active within {timeout.TotalSeconds:0} s: {view}");
            }

            await Task.Delay(500);
        }
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
        using var response = await Cluster.Http.SendAsync(request);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }
}
