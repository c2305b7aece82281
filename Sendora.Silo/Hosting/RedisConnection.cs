using System.Net;
using StackExchange.Redis;

namespace Sendora.Silo.Hosting;

/// <summary>Checks <see cref="RedisSettings"/> and turns them into StackExchange.Redis configuration.</summary>
public static class RedisConnection
{
    private const string Section = "Sendora:Redis";

    /// <summary>Returns one message per invalid setting, each naming the key to fix.</summary>
    public static IReadOnlyList<string> Validate(RedisSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            failures.Add($"{Section}:ConnectionString is missing: set a Redis configuration string such as "
                + $"{RedisSettings.DefaultConnectionString}.");
        }
        else
        {
            try
            {
                if (ConfigurationOptions.Parse(settings.ConnectionString).EndPoints.Count == 0)
                {
                    failures.Add($"{Section}:ConnectionString names no host: start it with host:port, such as "
                        + $"{RedisSettings.DefaultConnectionString}.");
                }
            }
            catch (ArgumentException exception)
            {
                // The parser's message names the option it did not accept, never the password.
                failures.Add($"{Section}:ConnectionString is invalid: {exception.Message}");
            }
        }

        if (!Enum.IsDefined(settings.Streams))
        {
            failures.Add($"{Section}:Streams is {settings.Streams}; set one of: "
                + $"{string.Join(", ", Enum.GetNames<RedisStreamKind>())}.");
        }

        if (settings.ProbeTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:ProbeTimeout is {settings.ProbeTimeout}; set a time span above zero, such as 00:00:10.");
        }

        return failures;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> with every failure of <see cref="Validate"/>.</summary>
    public static void EnsureValid(RedisSettings settings)
    {
        var failures = Validate(settings);
        if (failures.Count > 0)
        {
            throw new InvalidOperationException("Invalid Redis settings: " + string.Join(" ", failures));
        }
    }

    /// <summary>
    /// Parses the connection string into a new <see cref="ConfigurationOptions"/>, one per caller, because a
    /// multiplexer keeps the options it was created with.
    /// </summary>
    public static ConfigurationOptions CreateOptions(RedisSettings settings)
    {
        EnsureValid(settings);
        var options = ConfigurationOptions.Parse(settings.ConnectionString);

        // The client's own pool of socket threads spun and handed work across threads on a silo with two cores.
        // The .NET thread pool, which the silo's grains run on anyway, used less CPU per message in the ingest benchmark.
        options.SocketManager = SocketManager.ThreadPool;
        return options;
    }

    /// <summary>The host and port of each endpoint, without the password or other options, for messages.</summary>
    public static string DescribeEndpoints(RedisSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return string.Join(", ", ConfigurationOptions.Parse(settings.ConnectionString).EndPoints
            .Select(endpoint => endpoint switch
            {
                DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
                _ => endpoint.ToString(),
            }));
    }
}
