using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Hosting;

/// <summary>A regulation whose silo is killed while it erases profiles, in separate silo and gateway processes.</summary>
public sealed class RegulationRecoveryTests
{
    private const int Users = 1_000;

    // The regulation resumes at its reminder's next tick, which Orleans allows at most once a minute.
    private static readonly TimeSpan FinishTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task SiloKilledMidErasure_RegulationFinishes()
    {
        await using var cluster = await SendoraCluster.StartAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        var users = Enumerable.Range(0, Users).Select(i => $"gone-{run}-{i}").ToList();
        foreach (var chunk in users.Chunk(100))
        {
            var batch = JsonSerializer.Serialize(new
            {
                batch = chunk.Select(userId => new { type = "track", userId, @event = "Ordered" }),
            });
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = new StringContent(batch) };
            request.Headers.Authorization = SendoraServer.Basic(cluster.WriteKey);
            using var response = await cluster.Http.SendAsync(request);
            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        string regulationId;
        using (var created = await cluster.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/regulations",
            JsonSerializer.Serialize(new { regulationType = "SUPPRESS_WITH_DELETE", subjectIds = users })))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Accepted, created);
            regulationId = (await JsonAssert.ReadAsync(created)).GetProperty("id").GetString()!;
        }

        var beforeKill = await GetRegulationAsync(cluster, regulationId);
        await cluster.Silo!.KillAsync();
        cluster.StartSilo();
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(120));
        var finished = await Poll.UntilAsync(
            () => GetRegulationAsync(cluster, regulationId),
            regulation => regulation.GetProperty("status").GetString() != "RUNNING",
            regulation => $"the regulation did not finish after the restart: {regulation.GetProperty("finishedSubjects")} subjects done",
            FinishTimeout);

        Assert.Equal("RUNNING", beforeKill.GetProperty("status").GetString());
        Assert.True(beforeKill.GetProperty("finishedSubjects").GetInt32() < Users);
        Assert.Equal("FINISHED", finished.GetProperty("status").GetString());
        Assert.Equal(Users, finished.GetProperty("finishedSubjects").GetInt32());
        Assert.All(finished.GetProperty("subjects").EnumerateArray(),
            subject => Assert.Equal(1, subject.GetProperty("erasedProfileIds").GetArrayLength()));
        foreach (var userId in new[] { users[0], users[Users / 2], users[^1] })
        {
            using var track = await cluster.Http.SendAsync(cluster.Track(userId, $"after-{userId}"));
            await JsonAssert.StatusAsync(HttpStatusCode.OK, track);
            using var events = await cluster.Http.SendAsync(cluster.GetEvents(userId));
            await JsonAssert.StatusAsync(HttpStatusCode.NotFound, events);
        }
    }

    private static async Task<JsonElement> GetRegulationAsync(SendoraCluster cluster, string regulationId)
    {
        using var response = await cluster.SendAsAdminAsync(HttpMethod.Get, $"/admin/v1/workspaces/default/regulations/{regulationId}", null);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }
}
