using System.Net;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Admin;

/// <summary>
/// The default workspace across restarts: a server started on the same storage, cluster and
/// service ids with another configured write key moves the default source to that key.
/// </summary>
public sealed class DefaultWorkspaceRestartTests
{
    [Fact]
    public async Task Restart_NewWriteKey_ReplacesOldKey()
    {
        var run = "restart-" + Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string?>
        {
            ["Sendora:Cluster:ClusterId"] = run,
            ["Sendora:Cluster:ServiceId"] = run,
        };
        string oldKey;
        string sourceId;
        await using (var first = await SendoraServer.StartAsync(settings))
        {
            oldKey = first.WriteKey;
            sourceId = await DefaultSourceIdAsync(first);
        }

        var newKey = "wk_" + Guid.NewGuid().ToString("N");
        settings["Sendora:Gateway:DefaultWriteKey"] = newKey;
        await using var second = await SendoraServer.StartAsync(settings);

        var withNewKey = await TrackAsync(second, newKey);
        var withOldKey = await TrackAsync(second, oldKey);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, withNewKey);
        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, withOldKey);
        Assert.Equal("invalid_write_key", (await JsonAssert.ReadAsync(withOldKey)).GetProperty("code").GetString());
        Assert.Equal(sourceId, await DefaultSourceIdAsync(second));
    }

    private static Task<HttpResponseMessage> TrackAsync(SendoraServer server, string writeKey) =>
        server.PostAsync("/v1/track", $$"""{"userId":"restart-{{Guid.NewGuid():N}}","event":"Clicked"}""", writeKey);

    private static async Task<string> DefaultSourceIdAsync(SendoraServer server)
    {
        var response = await server.GetAsAdminAsync("/admin/v1/workspaces/default");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var sources = (await JsonAssert.ReadAsync(response)).GetProperty("sources");
        Assert.Equal(1, sources.GetArrayLength());
        return sources[0].GetProperty("id").GetString()!;
    }
}
