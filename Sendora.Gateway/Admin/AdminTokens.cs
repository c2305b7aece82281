using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;

namespace Sendora.Gateway.Admin;

/// <summary>The configured admin tokens and the actor name of each.</summary>
public sealed class AdminTokens
{
    private readonly (string Actor, byte[] Hash)[] _tokens;

    public AdminTokens(IOptions<GatewayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var gateway = options.Value;
        _tokens =
        [
            (GatewayOptionsValidator.DefaultActor, Hash(gateway.AdminToken)),
            .. gateway.AdminTokens.Select(pair => (pair.Key, Hash(pair.Value))),
        ];
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

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
