using System.ComponentModel.DataAnnotations;

namespace Sendora.Silo.Hosting;

/// <summary>How to reach Redis and which streams run beside it, bound from <c>Sendora:Redis</c>.</summary>
public sealed class RedisSettings
{
    /// <summary>A redis-server on this host's default port.</summary>
    public const string DefaultConnectionString = "127.0.0.1:6379";

    /// <summary>
    /// The StackExchange.Redis configuration string, such as <c>127.0.0.1:6379</c> or
    /// <c>cache.example.com:6380,password=…,ssl=true</c>. Default <c>127.0.0.1:6379</c>.
    /// </summary>
    [Required]
    public string ConnectionString { get; set; } = DefaultConnectionString;

    /// <summary>
    /// The stream provider beside Redis storage. Default <see cref="RedisStreamKind.Memory"/>, because membership
    /// changes are kept in the profile's outbox and the audience's log, and the stream only notifies consumers.
    /// </summary>
    public RedisStreamKind Streams { get; set; } = RedisStreamKind.Memory;

    /// <summary>How long the start-up check waits for Redis to connect and reply to PING. Default 10 seconds.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
