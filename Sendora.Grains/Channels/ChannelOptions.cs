using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Channels;

/// <summary>Settings of email, push and webhook deliveries, bound from <c>Sendora:Channels</c>.</summary>
/// <remarks>No setting is required to start: a channel without its settings fails its deliveries with a reason naming the key.</remarks>
public sealed class ChannelOptions
{
    public const string SectionName = "Sendora:Channels";

    /// <summary>
    /// The key that signs unsubscribe links (any string, 32 characters or more recommended). Default empty: each
    /// silo generates one at start and logs a warning, so links stop working after a restart or on other silos.
    /// </summary>
    public string? UnsubscribeSigningKey { get; set; }

    /// <summary>
    /// The gateway's public URL that unsubscribe links start with, such as <c>https://cdp.acme.example</c>.
    /// Default: <c>Sendora:Gateway:PublicUrl</c>; when both are empty, emails carry no <c>List-Unsubscribe</c> link.
    /// </summary>
    public string? UnsubscribeBaseUrl { get; set; }

    /// <summary>Frequency caps and quiet hours of workspaces without an entry in <see cref="Workspaces"/>. Default: none.</summary>
    public ChannelRules Rules { get; set; } = new();

    /// <summary>Rules per workspace id; an entry replaces <see cref="Rules"/> for that workspace as a whole.</summary>
    public Dictionary<string, ChannelRules> Workspaces { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How many deliveries a profile's log keeps, newest first. Default 200.</summary>
    [Range(1, 1_000)]
    public int ProfileLogLimit { get; set; } = 200;

    /// <summary>
    /// How many deliveries a journey step's log keeps, newest first. Default 500, which keeps the log's stored state,
    /// at an estimated 0.5 to 1 KB per record, under the 1 MB an Azure Table entity holds.
    /// </summary>
    [Range(1, 1_000)]
    public int StepLogLimit { get; set; } = 500;

    public EmailChannelOptions Email { get; set; } = new();

    public WebhookChannelOptions Webhook { get; set; } = new();

    public PushChannelOptions Push { get; set; } = new();

    /// <summary>Returns the rules of <paramref name="workspaceId"/>.</summary>
    public ChannelRules RulesFor(string workspaceId) =>
        Workspaces.TryGetValue(workspaceId, out var rules) ? rules : Rules;
}
