using System.Security.Cryptography;
using System.Text;

namespace Sendora.Grains.Destinations;

/// <summary>Builds the body a destination receives: <c>{"batch": [messages], "sentAt": "..."}</c>, the shape of Segment's batch call.</summary>
public static class DestinationBatch
{
    public static string Build(IEnumerable<string> messages, DateTimeOffset sentAt)
    {
        var builder = new StringBuilder("{\"batch\":[");
        var first = true;
        foreach (var message in messages)
        {
            if (!first)
            {
                builder.Append(',');
            }

            builder.Append(message);
            first = false;
        }

        return builder.Append("],\"sentAt\":\"")
            .Append(sentAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture))
            .Append("\"}")
            .ToString();
    }

    /// <summary>Returns a key that is the same for every request with the same messages, such as a retry.</summary>
    public static string IdempotencyKey(IEnumerable<string> messageIds) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', messageIds))))[..32];
}
