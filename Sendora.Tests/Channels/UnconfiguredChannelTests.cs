using Microsoft.Extensions.Options;
using Sendora.Grains.Channels;

namespace Sendora.Tests.Channels;

/// <summary>Senders without settings fail their deliveries with a reason that names the key to set.</summary>
public sealed class UnconfiguredChannelTests
{
    private static readonly IOptions<ChannelOptions> Empty = Options.Create(new ChannelOptions());

    [Fact]
    public async Task EmailSender_NoHost_FailsNamingHostKey()
    {
        var outcome = await new EmailSender(Empty).SendAsync(
            new RenderedEmail("a@example.test", "Subject", null, "Text"), null, CancellationToken.None);

        Assert.Equal(DeliveryStatuses.Failed, outcome.Status);
        Assert.Contains("Sendora:Channels:Email:Host", outcome.Reason);
    }

    [Fact]
    public async Task EmailSender_NoFrom_FailsNamingFromKey()
    {
        var options = Options.Create(new ChannelOptions { Email = { Host = "127.0.0.1" } });

        var outcome = await new EmailSender(options).SendAsync(
            new RenderedEmail("a@example.test", "Subject", null, "Text"), null, CancellationToken.None);

        Assert.Contains("Sendora:Channels:Email:From", outcome.Reason);
    }

    [Fact]
    public async Task WebhookSender_NoSecret_FailsNamingSecretKey()
    {
        using var sender = new WebhookSender(Empty, TimeProvider.System);

        var outcome = await sender.SendAsync("d1", new WebhookContent("http://127.0.0.1:9/", null, null), "{}", CancellationToken.None);

        Assert.Equal(DeliveryStatuses.Failed, outcome.Status);
        Assert.Contains("Sendora:Channels:Webhook:SigningSecret", outcome.Reason);
    }

    [Fact]
    public async Task PushSender_NoServiceAccount_FailsNamingBothKeys()
    {
        using var sender = new PushSender(Empty);

        var outcome = await sender.SendAsync("t", "b", new PushContent("t", "b", null, [new PushToken("ios.push_token", "x")]),
            CancellationToken.None);

        Assert.Equal(DeliveryStatuses.Failed, outcome.Status);
        Assert.Contains("Sendora:Channels:Push:ServiceAccountJson", outcome.Reason);
        Assert.Contains("Sendora:Channels:Push:ServiceAccountPath", outcome.Reason);
    }
}
