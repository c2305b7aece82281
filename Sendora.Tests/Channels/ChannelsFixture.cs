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

    private ChannelStandIns? _standIns;
    private SendoraServer? _server;

    /// <summary>Noon UTC: outside quiet hours in UTC, inside them in Asia/Tokyo (21:00).</summary>
    public SettableClock Clock { get; } = new(DateTimeOffset.Parse("2026-12-04T12:00:00Z", CultureInfo.InvariantCulture));

    public SmtpCapture Smtp => StandIns.Smtp;

    public FcmStandIn Fcm => StandIns.Fcm;

    public WebhookReceiver Webhooks => StandIns.Webhooks;

    public SendoraServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public IGrainFactory Grains => Server.Services.GetRequiredService<IGrainFactory>();

    private ChannelStandIns StandIns => _standIns ?? throw new InvalidOperationException("The stand-ins have not started.");

    public async Task InitializeAsync()
    {
        _standIns = await ChannelStandIns.StartAsync();
        var settings = _standIns.Settings();
        settings["Sendora:Channels:Workspaces:quiet:QuietHours:StartHour"] = "21";
        settings["Sendora:Channels:Workspaces:quiet:QuietHours:EndHour"] = "8";
        settings["Sendora:Channels:Workspaces:capped:FrequencyCaps:email:Limit"] = "2";
        settings["Sendora:Channels:Workspaces:capped:FrequencyCaps:email:Window"] = "1.00:00:00";
        _server = await SendoraServer.StartAsync(settings, services: s => s.AddSingleton<TimeProvider>(Clock));
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

        if (_standIns is not null)
        {
            await _standIns.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ChannelsCollection : ICollectionFixture<ChannelsFixture>
{
    public const string Name = "channels";
}
