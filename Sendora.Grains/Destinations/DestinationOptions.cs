using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Destinations;

/// <summary>Settings of destination delivery, bound from <c>Sendora:Destinations</c>.</summary>
public sealed class DestinationOptions
{
    public const string SectionName = "Sendora:Destinations";

    /// <summary>
    /// How many partition grains share a new destination's people. Each has its own queue and sends on its own. A
    /// destination keeps the number it was created with, so changing this affects only destinations created later.
    /// Default 16.
    /// </summary>
    [Range(1, 1_024)]
    public int Partitions { get; set; } = 16;

    /// <summary>The most messages in one request, for destinations that set none. Default 100.</summary>
    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>How long a message waits for a fuller batch, for destinations that set none. Default 1 second.</summary>
    public TimeSpan MaxBatchAge { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a failing person's messages are retried before they are parked, for destinations that set none. Default 4 hours.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromHours(4);

    /// <summary>The mean wait before the first retry, doubled for each further one and jittered ±50%. Default 5 seconds.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts. Default 10 minutes.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The timeout of one request. Default 10 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The maximum characters of message JSON one partition keeps waiting. Past it, new messages are parked at once.
    /// Default 350,000. A partition's queue and parked messages share one grain state, which Azure Table storage keeps
    /// in one entity of at most 1 MiB, so together with <see cref="MaxParkedCharacters"/> this stays at the 600,000 characters
    /// a profile's recent events are held to for the same reason.
    /// </summary>
    /// <remarks>
    /// NOTE: with 16 partitions that is about 5.6 million characters per destination, some thousands of messages, so a
    /// receiver that is down for hours at a high message rate gets messages parked, then dropped past
    /// <see cref="MaxParkedCharacters"/>. Holding more needs the queue split over several grains.
    /// </remarks>
    [Range(1_000, 100_000_000)]
    public int MaxQueuedCharacters { get; set; } = 350_000;

    /// <summary>
    /// The maximum characters of message JSON one partition keeps parked for replay. Past it, the oldest parked messages
    /// are dropped, having been counted as failed when they were parked. Default 250,000.
    /// </summary>
    [Range(0, 100_000_000)]
    public int MaxParkedCharacters { get; set; } = 250_000;

    /// <summary>
    /// How many ids of delivered messages each partition remembers, so that a message sent again, such as one a profile
    /// hands over again after a restart, is counted as delivered once. Each id is kept as an 8-byte digest in the
    /// partition's grain state, 32 KiB of digests at the default of 4,096. 0 counts every accepted message.
    /// </summary>
    /// <remarks>
    /// NOTE: a profile saves the hand-off of its messages with its next write, or within a minute or two by its
    /// reminder, and after a restart hands over again what it had not saved. The default covers that up to about 2,000
    /// delivered messages a minute per partition. A message handed over again after more than this many others were
    /// delivered counts twice.
    /// </remarks>
    [Range(0, 100_000)]
    public int DeliveredIdsKept { get; set; } = 4_096;

    /// <summary>How many recent failures each partition keeps as samples. Default 10.</summary>
    [Range(0, 100)]
    public int FailureSamples { get; set; } = 10;

    /// <summary>The most bytes of a failed response body a failure sample keeps. Default 1,024.</summary>
    [Range(0, 65_536)]
    public int FailureBodyBytes { get; set; } = 1_024;

    /// <summary>Returns the wait after <paramref name="attempts"/> failed attempts: doubled each time, capped, jittered ±50%.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var mean = Math.Min(InitialRetryDelay.Ticks * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30)), MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)(mean * (0.5 + Random.Shared.NextDouble())));
    }
}
