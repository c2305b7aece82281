using System.Globalization;

namespace Sendora.Tests.Channels;

/// <summary>
/// The loopback stand-ins of every channel: an SMTP server, FCM with its token endpoint, and webhook receivers, with
/// the settings that point a server's channels at them.
/// </summary>
public sealed class ChannelStandIns : IAsyncDisposable
{
    private ChannelStandIns(SmtpCapture smtp, FcmStandIn fcm, WebhookReceiver webhooks)
    {
        Smtp = smtp;
        Fcm = fcm;
        Webhooks = webhooks;
    }

    public SmtpCapture Smtp { get; }

    public FcmStandIn Fcm { get; }

    public WebhookReceiver Webhooks { get; }

    public static async Task<ChannelStandIns> StartAsync()
    {
        var smtp = SmtpCapture.Start();
        var fcm = await FcmStandIn.StartAsync();
        var webhooks = await WebhookReceiver.StartAsync();
        return new ChannelStandIns(smtp, fcm, webhooks);
    }

    /// <summary>
    /// Returns the settings that point email and push at the stand-ins and sign webhooks with
    /// <see cref="WebhookReceiver.Secret"/>, with retries a few hundred milliseconds apart (or as long as a Retry-After asks, up to 2 seconds) and a 3-second webhook timeout.
    /// </summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Sendora:Gateway:PublicUrl"] = ChannelsFixture.PublicUrl,
        ["Sendora:Channels:UnsubscribeSigningKey"] = ChannelsFixture.SigningKey,
        ["Sendora:Channels:Email:Host"] = "127.0.0.1",
        ["Sendora:Channels:Email:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
        ["Sendora:Channels:Email:Security"] = "None",
        ["Sendora:Channels:Email:From"] = "Sendora Tests <news@sendora.test>",
        ["Sendora:Channels:Email:UnsubscribeMailto"] = "unsubscribe@sendora.test",
        ["Sendora:Channels:Email:RetryDelay"] = "00:00:00.200",
        ["Sendora:Channels:Email:MaxAttempts"] = "3",
        ["Sendora:Channels:Webhook:SigningSecret"] = WebhookReceiver.Secret,
        ["Sendora:Channels:Webhook:InitialRetryDelay"] = "00:00:00.100",
        ["Sendora:Channels:Webhook:MaxRetryDelay"] = "00:00:01",
        ["Sendora:Channels:Webhook:Timeout"] = "00:00:03",
        ["Sendora:Channels:Push:ServiceAccountJson"] = Fcm.ServiceAccountJson(),
        ["Sendora:Channels:Push:BaseUrl"] = Fcm.BaseAddress.AbsoluteUri,
        ["Sendora:Channels:Push:InitialRetryDelay"] = "00:00:00.100",
        ["Sendora:Channels:Push:MaxRetryDelay"] = "00:00:02",
    };

    public async ValueTask DisposeAsync()
    {
        await Smtp.DisposeAsync();
        await Fcm.DisposeAsync();
        await Webhooks.DisposeAsync();
    }
}
