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

    /// <summary>
    /// How many connections the silo's grain storage opens to Redis, each for its own share of the grains. Default 8.
    /// With the append-only file synced on every write, Redis syncs it once per pass over its clients, and in each
    /// pass it reads at most 16 KiB per connection (<c>PROTO_IOBUF_LEN</c> in its server.h), so more connections
    /// put more profile writes under one sync.
    /// </summary>
    [Range(1, 64)]
    public int StorageConnections { get; set; } = 8;

    /// <summary>How long the start-up check waits for Redis to connect and reply to PING. Default 10 seconds.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
