using System.Net;
using System.Text;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Audiences;

/// <summary>A backfill over many profiles whose silo is killed halfway and started again.</summary>
public sealed class BackfillRecoveryTests
{
    private const int ProfileCount = 10_000;
    private const int BatchSize = 500;

    [Fact]
    public async Task SiloKilledMidBackfill_ResumesWithoutDuplicates()
    {
        await using var cluster = await SendoraCluster.StartAsync();
        await SendProfilesAsync(cluster);

        using (var create = await cluster.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/audiences",
            """{"id":"pro","name":"Pro plan","condition":{"trait":"plan","operator":"equals","value":"pro"}}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Created, create);
        }

        // SIGKILL once part of the profiles are done, so the resumed backfill repeats the last unsaved page.
        var before = await WaitForProgressAsync(cluster, p => p.GetProperty("profilesEvaluated").GetInt64() >= ProfileCount / 4);
        Assert.True(before.GetProperty("running").GetBoolean(), $"The backfill finished before the kill: {before}");
        await cluster.Silo!.KillAsync();
        cluster.StartSilo();
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));

        // The bounds leave room for a slow machine: the resumed backfill reads thousands of profiles from Azurite.
        var after = await WaitForProgressAsync(cluster, p => !p.GetProperty("running").GetBoolean(), TimeSpan.FromMinutes(10));
        Assert.True(after.GetProperty("resumes").GetInt32() >= 1, $"The backfill did not record a resume: {after}");

        var audience = await GetAdminAsync(cluster, "/admin/v1/workspaces/default/audiences/pro");
        Assert.Equal(ProfileCount / 2, audience.GetProperty("size").GetInt64());

        await using var stream = await SseClient.ConnectAsync(cluster.Http, "/admin/v1/workspaces/default/audiences/pro/stream", 0);
        var profiles = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ProfileCount / 2; i++)
        {
            var change = await stream.NextAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("enter", change.Event);
            Assert.True(profiles.Add(change.Data.GetProperty("profile_id").GetString()!), $"Duplicate enter: {change.Data}");
        }

        Assert.Empty(await stream.DrainAsync(TimeSpan.FromSeconds(2)));
    }

    private static async Task SendProfilesAsync(SendoraCluster cluster)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var batches = Enumerable.Range(0, ProfileCount / BatchSize).Select(b =>
        {
            var items = Enumerable.Range(b * BatchSize, BatchSize).Select(i =>
                $$$"""{"type":"identify","userId":"bf-{{{run}}}-{{{i}}}","traits":{"plan":"{{{(i % 2 == 0 ? "pro" : "free")}}}"}}""");
            return $$$"""{"batch":[{{{string.Join(",", items)}}}]}""";
        }).ToList();

        // Two requests at a time keep both cores busy without queueing behind one another.
        foreach (var pair in batches.Chunk(2))
        {
            await Task.WhenAll(pair.Select(body =>
                AcceptedPost.SendAsync(cluster.Http, "/v1/batch", body, SendoraServer.Basic(cluster.WriteKey))));
        }
    }

    private static async Task<JsonElement> WaitForProgressAsync(
        SendoraCluster cluster, Func<JsonElement, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(4));
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await GetAdminAsync(cluster, "/admin/v1/workspaces/default/backfill");
                if (done(last))
                {
                    return last;
                }
            }
            catch (Xunit.Sdk.XunitException)
            {
                // The silo may be restarting; the gateway then returns 503.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The backfill did not reach the expected state in time; last progress: {last}");
    }

    private static async Task<JsonElement> GetAdminAsync(SendoraCluster cluster, string path)
    {
        using var response = await cluster.SendAsAdminAsync(HttpMethod.Get, path, null);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }
}
