namespace Sendora.Grains.Channels;

/// <summary>The stored state of a delivery grain: the request as first received and the current record.</summary>
[GenerateSerializer, Alias("sendora.DeliveryState")]
public sealed class DeliveryState
{
    [Id(0)] public DeliveryRequest? Request { get; set; }

    [Id(1)] public DeliveryRecord? Record { get; set; }

    /// <summary>When the provider was first called, the start of the webhook retry period.</summary>
    [Id(2)] public DateTimeOffset? FirstAttemptAt { get; set; }

    /// <summary>Whether a reminder may be registered, so that finishing a delivery without one skips the reminder table.</summary>
    [Id(3)] public bool HasReminder { get; set; }

    /// <summary>When the erasure of the profile removed the person's data from the delivery; null while it has not.</summary>
    [Id(4)] public DateTimeOffset? ErasedAt { get; set; }
}
