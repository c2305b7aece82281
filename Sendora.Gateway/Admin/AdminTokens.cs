using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;

namespace Sendora.Gateway.Admin;

/// <summary>
/// The configured admin tokens and the actor name of each, with a limit on wrong tokens per client address so that
/// guessing a token costs time.
/// </summary>
public sealed partial class AdminTokens
{
    /// <summary>The maximum number of client addresses counted at once. When the table is full, ended windows are dropped.</summary>
    private const int MaxTrackedAddresses = 10_000;

    private readonly (string Actor, byte[] Hash)[] _tokens;
    private readonly ConcurrentDictionary<IPAddress, FailureWindow> _failures = new();
    private readonly int _failureLimit;
    private readonly TimeSpan _failureWindow;
    private readonly TimeProvider _clock;
    private readonly ILogger<AdminTokens> _logger;

    public AdminTokens(IOptions<GatewayOptions> options, TimeProvider clock, ILogger<AdminTokens>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var gateway = options.Value;
        _tokens =
        [
            (GatewayOptionsValidator.DefaultActor, Hash(gateway.AdminToken)),
            .. gateway.AdminTokens.Select(pair => (pair.Key, Hash(pair.Value))),
        ];
        _failureLimit = gateway.FailedTokenLimit;
        _failureWindow = gateway.FailedTokenWindow;
        _clock = clock;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<AdminTokens>.Instance;
    }

    /// <summary>Returns the actor name of <paramref name="token"/>, or null when no admin token matches it.</summary>
    /// <remarks>
    /// The time taken does not depend on which token matches or on how much of one does: tokens are compared as
    /// SHA-256 hashes of equal length with <see cref="CryptographicOperations.FixedTimeEquals"/>, and every
    /// token is compared, also after a match.
    /// </remarks>
    public string? FindActor(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var presented = Hash(token);
        string? actor = null;
        foreach (var (name, hash) in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, hash))
            {
                actor = name;
            }
        }

        return actor;
    }

    /// <summary>
    /// Checks <paramref name="token"/>, sent by <paramref name="context"/>'s client, and counts it against that address
    /// when it is wrong. A client over the limit gets a wait and no comparison at all, even with a right token.
    /// </summary>
    public AdminTokenCheck Check(HttpContext context, string token)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
        var now = _clock.GetUtcNow();
        if (_failures.TryGetValue(address, out var window) && window.Count >= _failureLimit && now < window.Ends)
        {
            return new AdminTokenCheck(null, window.Ends - now);
        }

        if (FindActor(token) is { } actor)
        {
            return new AdminTokenCheck(actor, null);
        }

        if (_failures.Count >= MaxTrackedAddresses)
        {
            foreach (var (key, ended) in _failures)
            {
                if (ended.Ends <= now)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }

        var counted = _failures.AddOrUpdate(
            address,
            _ => new FailureWindow(1, now + _failureWindow),
            (_, current) => current.Ends <= now ? new FailureWindow(1, now + _failureWindow) : current with { Count = current.Count + 1 });
        if (counted.Count == _failureLimit)
        {
            LogBlocked(address, counted.Count, counted.Ends);
        }

        return new AdminTokenCheck(null, null);
    }

    /// <summary>Returns the 429 problem for a client over the limit, with its <c>Retry-After</c> header set.</summary>
    public IResult TooManyFailures(HttpContext context, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(context);
        var seconds = (long)Math.Ceiling(retryAfter.TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many wrong admin tokens",
            detail: TooManyFailuresMessage(retryAfter));
    }

    /// <summary>Returns the message stating how long a client over the limit must wait.</summary>
    public string TooManyFailuresMessage(TimeSpan retryAfter) =>
        $"{_failureLimit} wrong admin tokens came from this address within {_failureWindow}; "
        + $"retry after {(long)Math.Ceiling(retryAfter.TotalSeconds)} seconds.";

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Count} wrong admin tokens came from {Address}; its admin requests get 429 until {Until:O}.")]
    private partial void LogBlocked(IPAddress address, int count, DateTimeOffset until);

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private sealed record FailureWindow(int Count, DateTimeOffset Ends);
}

/// <summary>The outcome of an admin token check: the actor when the token matched, or how long a blocked client waits.</summary>
public readonly record struct AdminTokenCheck(string? Actor, TimeSpan? RetryAfter);
