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
    public async Task PushSender_NoServiceAccount_NamesBothKeys()
    {
        using var sender = new PushSender(Empty, TimeProvider.System);

        var outcome = await sender.SendAsync("t", "b", new PushContent("t", "b", null, [new PushToken("ios.push_token", "x")]),
            CancellationToken.None);

        Assert.Equal(DeliveryStatuses.Failed, outcome.Status);
        Assert.Contains("Sendora:Channels:Push:ServiceAccountJson", outcome.Reason);
        Assert.Contains("Sendora:Channels:Push:ServiceAccountPath", outcome.Reason);
    }

    [Fact]
    public void Validator_InvalidNestedValues_NamesKeys()
    {
        var options = new ChannelOptions
        {
            Email = { Port = 0 },
            Workspaces = { ["acme"] = new ChannelRules { FrequencyCaps = { ["sms"] = new FrequencyCap { Limit = 1 } } } },
        };

        var result = new ChannelOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Sendora:Channels:Email:Port", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Workspaces:acme:FrequencyCaps has the unknown channel 'sms'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_Defaults_Succeed()
    {
        Assert.True(new ChannelOptionsValidator().Validate(null, new ChannelOptions()).Succeeded);
    }
}
