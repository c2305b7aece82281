using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sendora.Grains.Channels;

/// <summary>
/// Signs and checks unsubscribe tokens: the base64url of <c>v1\n{workspace}\n{profile}\n{channel}</c>, a dot,
/// and the base64url of its HMAC-SHA256 under <c>Sendora:Channels:UnsubscribeSigningKey</c>.
/// </summary>
public sealed partial class UnsubscribeTokens
{
    private const string Version = "v1";
    private readonly byte[] _key;

    public UnsubscribeTokens(IOptions<ChannelOptions> options, ILogger<UnsubscribeTokens> logger)
    {
        var configured = options.Value.UnsubscribeSigningKey;
        if (string.IsNullOrEmpty(configured))
        {
            _key = RandomNumberGenerator.GetBytes(32);
            LogGeneratedKey(logger, $"{ChannelOptions.SectionName}:UnsubscribeSigningKey");
        }
        else
        {
            _key = Encoding.UTF8.GetBytes(configured);
        }
    }

    public string Create(UnsubscribeTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var payload = Encoding.UTF8.GetBytes(string.Join('\n', Version, target.WorkspaceId, target.ProfileId, target.Channel));
        return string.Concat(Base64Url.EncodeToString(payload), ".", Base64Url.EncodeToString(HMACSHA256.HashData(_key, payload)));
    }

    /// <summary>Returns the target of a token whose signature is valid, or null.</summary>
    public UnsubscribeTarget? Read(string? token)
    {
        var dot = token?.IndexOf('.') ?? -1;
        if (token is null || dot <= 0 || token.Length > 2_048)
        {
            return null;
        }

        byte[] payload;
        byte[] signature;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, payload), signature))
        {
            return null;
        }

        var parts = Encoding.UTF8.GetString(payload).Split('\n');
        return parts is [Version, var workspace, var profile, var channel] ? new UnsubscribeTarget(workspace, profile, channel) : null;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Key} is not set, so this silo signs unsubscribe links with a key generated at start: links stop working after a restart and on other silos")]
    private static partial void LogGeneratedKey(ILogger logger, string key);
}
