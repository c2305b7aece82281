using Sendora.Tests.Channels;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Journeys.Delivery;

/// <summary>
/// A server on the real clock whose channels point at loopback stand-ins: an SMTP server, FCM with its token endpoint
/// and webhook receivers. Workspace <see cref="QuietWorkspaceId"/> has quiet hours from 21 to 8 and workspace
/// <see cref="CappedWorkspaceId"/> a cap of two emails a day; each test creates the workspaces it uses.
/// </summary>
public sealed class JourneyDeliveryFixture : IAsyncLifetime
{
    /// <summary>How long one webhook POST may take: long enough that a delay it causes is plain to see.</summary>
    public static readonly TimeSpan WebhookTimeout = TimeSpan.FromSeconds(15);

    private ChannelStandIns? _standIns;
    private SendoraServer? _server;

    public string QuietWorkspaceId { get; } = "quiet-" + Guid.NewGuid().ToString("N")[..8];

    public string CappedWorkspaceId { get; } = "capped-" + Guid.NewGuid().ToString("N")[..8];

    public SmtpCapture Smtp => StandIns.Smtp;

    public FcmStandIn Fcm => StandIns.Fcm;

    public WebhookReceiver Webhooks => StandIns.Webhooks;

    public SendoraServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    private ChannelStandIns StandIns => _standIns ?? throw new InvalidOperationException("The stand-ins have not started.");

    public async Task InitializeAsync()
    {
        _standIns = await ChannelStandIns.StartAsync();
        var settings = _standIns.Settings();
        settings["Sendora:Channels:Webhook:Timeout"] = WebhookTimeout.ToString();
        settings[$"Sendora:Channels:Workspaces:{QuietWorkspaceId}:QuietHours:StartHour"] = "21";
        settings[$"Sendora:Channels:Workspaces:{QuietWorkspaceId}:QuietHours:EndHour"] = "8";
        settings[$"Sendora:Channels:Workspaces:{CappedWorkspaceId}:FrequencyCaps:email:Limit"] = "2";
        settings[$"Sendora:Channels:Workspaces:{CappedWorkspaceId}:FrequencyCaps:email:Window"] = "1.00:00:00";
        _server = await SendoraServer.StartAsync(settings);
    }

    /// <summary>Creates a workspace on the server, with the id <paramref name="id"/> or a new unique one.</summary>
    public Task<JourneyWorkspace> CreateWorkspaceAsync(string? id = null) => JourneyWorkspace.CreateAsync(Server, Smtp, id);

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
public sealed class JourneyDeliveryCollection : ICollectionFixture<JourneyDeliveryFixture>
{
    public const string Name = "journey-delivery";
}
