using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using Sendora.Grains;
using Sendora.Grains.Audiences;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Audiences;

/// <summary>Membership changes on the audience's Orleans stream, and subscribers that read slowly.</summary>
[Collection(SendoraCollection.Name)]
public sealed class AudienceStreamProviderTests(SendoraFixture fixture)
{
    [Fact]
    public async Task Enter_IsPublishedOnOrleansStream()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro", """{"trait":"plan","operator":"equals","value":"pro"}""");
        var client = fixture.Server.Services.GetRequiredService<IClusterClient>();
        var stream = client.GetStreamProvider(SendoraNames.StreamProvider)
            .GetStream<AudienceLogEntry>(StreamId.Create(AudienceGrain.StreamNamespace, GrainKeys.Scoped(workspace.Id, "pro")));
        var received = new ConcurrentQueue<AudienceLogEntry>();
        var arrived = new TaskCompletionSource();
        var subscription = await stream.SubscribeAsync((entry, _) =>
        {
            received.Enqueue(entry);
            arrived.TrySetResult();
            return Task.CompletedTask;
        });

        try
        {
            await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"pro"},"messageId":"m1"}""");

            // Azure Queue streams are pulled by polling agents, so delivery takes up to a few poll periods.
            await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var entry = Assert.Single(received);
            Assert.Equal(1, entry.Sequence);
            Assert.Equal(MembershipChangeKinds.Enter, entry.Change.Kind);
            Assert.Equal("m1", entry.Change.CauseMessageId);
        }
        finally
        {
            await subscription.UnsubscribeAsync();
        }
    }

    [Fact]
    public async Task StalledSubscriber_DoesNotHoldUpOthers()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro", """{"trait":"plan","operator":"equals","value":"pro"}""");

        // A subscriber that sends its request and never reads the response, with a small receive buffer so
        // that the server's writes to it back up.
        using var stalled = new TcpClient { ReceiveBufferSize = 1024 };
        await stalled.ConnectAsync(fixture.Server.BaseAddress.Host, fixture.Server.BaseAddress.Port);
        var request = $"GET {workspace.AudiencesPath}/pro/stream HTTP/1.1\r\nHost: {fixture.Server.BaseAddress.Authority}\r\n" +
            $"Authorization: Bearer {SendoraServer.AdminToken}\r\nAccept: text/event-stream\r\n\r\n";
        await stalled.GetStream().WriteAsync(Encoding.ASCII.GetBytes(request));
        await using var reader = await workspace.StreamAsync("pro");

        const int People = 600;
        var batches = Enumerable.Range(0, People).Chunk(100).Select(chunk => string.Join(",", chunk.Select(i =>
            $$$"""{"type":"identify","userId":"stalled-test-user-with-a-long-id-{{{i:D4}}}","traits":{"plan":"pro"}}""")));
        foreach (var batch in batches)
        {
            await workspace.SendAsync("/v1/batch", $$$"""{"batch":[{{{batch}}}]}""");
        }

        var ids = new List<string?>();
        for (var i = 1; i <= People; i++)
        {
            ids.Add((await reader.NextAsync()).Id);
        }

        Assert.Equal(Enumerable.Range(1, People).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), ids);
    }
}
