using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Failover;

/// <summary>
/// Two gateway processes in front of one silo: one person's messages, split across both gateways in turn and at
/// the same time, end in one profile with every event, found by each of the person's external ids.
/// </summary>
public sealed class TwoGatewayTests : IAsyncLifetime
{
    private const int MessagesPerStream = 10;

    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private SendoraCluster? _cluster;
    private HttpClient? _secondGateway;

    private SendoraCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    private HttpClient SecondGateway => _secondGateway ?? throw new InvalidOperationException("The gateway has not started.");

    public async Task InitializeAsync()
    {
        _cluster = await SendoraCluster.StartAsync();
        _secondGateway = await _cluster.StartAdditionalGatewayAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Person_AlternatingGateways_OneProfileWithAllEvents()
    {
        var senders = Senders();
        var user = $"alternate-{_runId}";
        var anonymous = $"anon-{user}";
        var email = $"{user}@example.com";
        var messages = new List<(string Path, string Body, string MessageId)>
        {
            Track($"{user}-0", $"\"anonymousId\":\"{anonymous}\""),
            Track($"{user}-1", $"\"anonymousId\":\"{anonymous}\""),
            Identify($"{user}-2", user, anonymous, email),
        };
        for (var i = 3; i < 12; i++)
        {
            messages.Add(Track($"{user}-{i}", $"\"userId\":\"{user}\""));
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var (path, body, messageId) = messages[i];
            Assert.True(await senders[i % 2].SendAsync(path, body), $"{messageId} was not acknowledged.");
        }

        await AssertOneProfileAsync(user, anonymous, email, messages.Select(message => message.MessageId));
        Assert.All(senders, sender => Assert.Empty(sender.UnexpectedOutcomes()));
    }

    [Fact]
    public async Task Person_ConcurrentGateways_OneProfileWithAllEvents()
    {
        var senders = Senders();
        var user = $"concurrent-{_runId}";
        var anonymous = $"anon-{user}";
        var email = $"{user}@example.com";

        // The first gateway starts with the browser's anonymous id and the second with the logged-in user id, so
        // each may create a profile before an identify on each side ties the two ids together.
        var streams = new[]
        {
            Stream(user, "a", $"\"anonymousId\":\"{anonymous}\"", Identify($"{user}-a-identify", user, anonymous, email)),
            Stream(user, "b", $"\"userId\":\"{user}\"", Identify($"{user}-b-identify", user, anonymous, email)),
        };
        await Task.WhenAll(streams.Select((stream, index) => SendAllAsync(senders[index], stream)));

        await AssertOneProfileAsync(user, anonymous, email, streams.SelectMany(stream => stream.Select(m => m.MessageId)));
        Assert.All(senders, sender => Assert.Empty(sender.UnexpectedOutcomes()));
    }

    private async Task AssertOneProfileAsync(string user, string anonymous, string email, IEnumerable<string> messageIds)
    {
        var reader = new ClusterReader(Cluster.Http);
        var byUser = await reader.InspectProfileAsync("user_id:" + user);
        var byAnonymous = await reader.InspectProfileAsync("anonymous_id:" + anonymous);
        var byEmail = await reader.InspectProfileAsync("email:" + email);
        Assert.Equal(byUser.GetProperty("grainId").GetString(), byAnonymous.GetProperty("grainId").GetString());
        Assert.Equal(byUser.GetProperty("grainId").GetString(), byEmail.GetProperty("grainId").GetString());

        var expected = messageIds.Order(StringComparer.Ordinal).ToList();
        foreach (var gateway in new[] { Cluster.Http, SecondGateway })
        {
            var events = await new ClusterReader(gateway).EventMessageIdsAsync("user_id:" + user);
            Assert.Equal(expected, events.Order(StringComparer.Ordinal));
        }
    }

    private RetryingSender[] Senders() =>
    [
        new(Cluster.Http, Cluster.WriteKey, giveUpAfter: TimeSpan.FromSeconds(60)),
        new(SecondGateway, Cluster.WriteKey, giveUpAfter: TimeSpan.FromSeconds(60)),
    ];

    /// <summary>Returns tracks with <paramref name="ids"/>, an identify halfway, and tracks with the user id after it.</summary>
    private static List<(string Path, string Body, string MessageId)> Stream(
        string user, string name, string ids, (string Path, string Body, string MessageId) identify)
    {
        var stream = new List<(string Path, string Body, string MessageId)>();
        for (var i = 0; i < MessagesPerStream / 2; i++)
        {
            stream.Add(Track($"{user}-{name}-{i}", ids));
        }

        stream.Add(identify);
        for (var i = MessagesPerStream / 2; i < MessagesPerStream; i++)
        {
            stream.Add(Track($"{user}-{name}-{i}", $"\"userId\":\"{user}\""));
        }

        return stream;
    }

    private static async Task SendAllAsync(RetryingSender sender, List<(string Path, string Body, string MessageId)> stream)
    {
        foreach (var (path, body, messageId) in stream)
        {
            Assert.True(await sender.SendAsync(path, body), $"{messageId} was not acknowledged.");
        }
    }

    private static (string Path, string Body, string MessageId) Track(string messageId, string ids) =>
        ("/v1/track", $$"""{{{ids}},"event":"Page Viewed","messageId":"{{messageId}}"}""", messageId);

    private static (string Path, string Body, string MessageId) Identify(
        string messageId, string user, string anonymous, string email) =>
        ("/v1/identify",
            $$"""{"userId":"{{user}}","anonymousId":"{{anonymous}}","traits":{"email":"{{email}}"},"messageId":"{{messageId}}"}""",
            messageId);
}
