namespace Sendora.Gateway.Hosting;

/// <summary>Settings of the HTTP gateway, bound from <c>Sendora:Gateway</c>.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Sendora:Gateway";

    /// <summary>
    /// Runs a silo inside the gateway process instead of connecting to separate silos as an Orleans
    /// client. Default false. One process is simpler for tests and small installs; separate silos let
    /// gateways and silos scale and fail apart.
    /// </summary>
    public bool HostSilo { get; set; }

    /// <summary>
    /// The URL that browsers reach this gateway at, used in the analytics.js settings document.
    /// Default empty: the scheme and host of each settings request.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>How long a write key lookup is cached. Default 5 seconds.</summary>
    public TimeSpan WriteKeyCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many external ids the gateway remembers the owning profile of, so that a message whose ids all belong
    /// to one profile skips their Identity grains. Default 200,000; 0 turns it off. Each entry takes about
    /// 150 bytes, an estimate. A profile rejects such a message when it no longer lists its ids, and the gateway
    /// then resolves it through the Identity grains.
    /// </summary>
    public int IdOwnerCacheSize { get; set; } = 200_000;

    /// <summary>How long a remembered owner of an external id is used after the resolution that found it. Default 1 minute.</summary>
    public TimeSpan IdOwnerCacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often per-source intake counters are handed to the source's grain. Default 1 second.</summary>
    public TimeSpan CounterFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a gateway without its own silo keeps trying to reach the cluster at start. Default 60 seconds.</summary>
    public TimeSpan ClusterConnectTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often a gateway without its own silo reads the list of silos it can connect to from the membership table.
    /// Default 5 seconds (Orleans' own default is 1 minute), so that a restarted or added silo takes load within
    /// seconds.
    /// </summary>
    public TimeSpan GatewayListRefreshPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a gateway without its own silo waits for the answer to one grain call before the request fails with
    /// 503 and Retry-After. Default 15 seconds (Orleans' own default is 30). It bounds how long a request waits on a
    /// silo that died before the cluster declared it dead.
    /// </summary>
    public TimeSpan ClusterResponseTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The admin API's bearer token; the environment variable <c>SENDORA_ADMIN_TOKEN</c> sets it too.
    /// Required: the gateway does not start without it.
    /// </summary>
    public string AdminToken { get; set; } = string.Empty;

    /// <summary>
    /// Further admin tokens by actor name, set as <c>Sendora:Gateway:AdminTokens:{name}={token}</c>. Each request
    /// is recorded in the audit log under the name of the token it carried, and <see cref="AdminToken"/> under
    /// <c>admin</c>. Names are 1 to 32 characters of lower-case letters, digits, '_', '-' and '.', starting with a
    /// letter; tokens follow the rules of <see cref="AdminToken"/> and differ from each other. Default none.
    /// </summary>
    public Dictionary<string, string> AdminTokens { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// How many requests with a wrong admin token one client address may send per
    /// <see cref="FailedTokenWindow"/> before further ones get 429 until the window ends. Default 20, at least 1.
    /// </summary>
    public int FailedTokenLimit { get; set; } = 20;

    /// <summary>The window over which <see cref="FailedTokenLimit"/> counts wrong admin tokens. Default 1 minute.</summary>
    public TimeSpan FailedTokenWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The write key of the default workspace's first source; the environment variable
    /// <c>SENDORA_WRITE_KEY</c> sets it too. Default empty: the source keeps its key, or a new one is made.
    /// </summary>
    public string? DefaultWriteKey { get; set; }

    /// <summary>
    /// How long the cookie that the Orleans Dashboard's sign-in page sets stays valid. Default 1 hour, at most 1 day.
    /// Changing the admin token ends every session at once.
    /// </summary>
    public TimeSpan DashboardSessionDuration { get; set; } = TimeSpan.FromHours(1);
}
