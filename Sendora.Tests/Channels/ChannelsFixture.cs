using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Sendora.Grains;
using Sendora.Grains.Channels;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Tracking;

namespace Sendora.Tests.Channels;

/// <summary>
/// A server whose channels point at loopback stand-ins: an SMTP server, FCM with its token endpoint, and webhook
/// receivers. The silo's clock is settable, and retries use short waits. Workspace <c>quiet</c> has quiet hours from
/// 21 to 8 and workspace <c>capped</c> a cap of two emails a day.
/// </summary>
public sealed class ChannelsFixture : IAsyncLifetime
{
    public const string PublicUrl = "https://cdp.sendora.test";
    public const string SigningKey = "unsubscribe-signing-key-for-tests";

    private SendoraServer? _server;

    /// <summary>Noon UTC: outside quiet hours in UTC, inside them in Asia/Tokyo (21:00).</summary>
    public SettableClock Clock { get; } = new(DateTimeOffset.Parse("2026-12-04T12:00:00Z", CultureInfo.InvariantCulture));

    public SmtpCapture Smtp { get; private set; } = null!;

    public FcmStandIn Fcm { get; private set; } = null!;

    public WebhookReceiver Webhooks { get; private set; } = null!;

    public SendoraServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public IGrainFactory Grains => Server.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync()
    {
        Smtp = SmtpCapture.Start();
        Fcm = await FcmStandIn.StartAsync();
        Webhooks = await WebhookReceiver.StartAsync();
        _server = await SendoraServer.StartAsync(new Dictionary<string, string?>
        {
            ["Sendora:Gateway:PublicUrl"] = PublicUrl,
            ["Sendora:Channels:UnsubscribeSigningKey"] = SigningKey,
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
            ["Sendora:Channels:Workspaces:quiet:QuietHours:StartHour"] = "21",
            ["Sendora:Channels:Workspaces:quiet:QuietHours:EndHour"] = "8",
            ["Sendora:Channels:Workspaces:capped:FrequencyCaps:email:Limit"] = "2",
            ["Sendora:Channels:Workspaces:capped:FrequencyCaps:email:Window"] = "1.00:00:00",
        }, services: s => s.AddSingleton<TimeProvider>(Clock));
    }

    public IDeliveryGrain Delivery(string deliveryId, string workspaceId = "default") =>
        Grains.GetGrain<IDeliveryGrain>(GrainKeys.Scoped(workspaceId, deliveryId));

    public IProfileDeliveryGrain Profile(string profileId, string workspaceId = "default") =>
        Grains.GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(workspaceId, profileId));

    /// <summary>Polls a delivery until its status is final, or fails after <paramref name="timeout"/>.</summary>
    public async Task<DeliveryRecord> WaitUntilFinalAsync(IDeliveryGrain delivery, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        DeliveryRecord? record = null;
        while (DateTime.UtcNow < deadline)
        {
            record = await delivery.GetAsync();
            if (record is not null && DeliveryStatuses.IsFinal(record.Status))
            {
                return record;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The delivery is still {record?.Status ?? "missing"}: {record?.Reason}");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await Smtp.DisposeAsync();
        await Fcm.DisposeAsync();
        await Webhooks.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ChannelsCollection : ICollectionFixture<ChannelsFixture>
{
    public const string Name = "channels";
}
