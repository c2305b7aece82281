namespace Sendora.Grains.Channels;

/// <summary>The channel names that a <see cref="DeliveryRequest"/> and its record carry.</summary>
public static class DeliveryChannels
{
    public const string Email = "email";
    public const string Push = "push";
    public const string Webhook = "webhook";

    public static bool IsKnown(string? channel) => channel is Email or Push or Webhook;
}
