using System.Security.Cryptography;
using System.Text;
using Sendora.Grains.Channels;

namespace Sendora.Grains.Journeys.Templates;

/// <summary>
/// A message template as its grain stores it. An email template sets <see cref="Subject"/> and at least one
/// body, a push template <see cref="Title"/> and <see cref="Body"/>, and the other channel's fields are null. The
/// subject, bodies and title are Liquid templates over the delivery context (<c>traits</c>, <c>event</c>,
/// <c>journey</c>). <see cref="Data"/> is sent with a push as it is, without rendering.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.TemplateRecord")]
public sealed record TemplateRecord
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required string Name { get; init; }

    /// <summary>
    /// <see cref="DeliveryChannels.Email"/> or <see cref="DeliveryChannels.Push"/>, fixed once the template exists.
    /// </summary>
    [Id(2)] public required string Channel { get; init; }

    [Id(3)] public string? Subject { get; init; }

    [Id(4)] public string? HtmlBody { get; init; }

    [Id(5)] public string? TextBody { get; init; }

    [Id(6)] public string? Title { get; init; }

    [Id(7)] public string? Body { get; init; }

    /// <summary>The key-value pairs of a push message's data payload.</summary>
    [Id(8)] public IReadOnlyDictionary<string, string>? Data { get; init; }

    /// <summary>
    /// A count that starts at 1 and grows by one on every save. A template created again after a delete continues it.
    /// </summary>
    [Id(9)] public int Version { get; init; }

    [Id(10)] public DateTimeOffset CreatedAt { get; init; }

    [Id(11)] public DateTimeOffset UpdatedAt { get; init; }

    public TemplateSummary ToSummary() => new(Id, Name, Channel, Version, UpdatedAt);

    /// <summary>
    /// Computes the lower-case hex SHA-256 of the channel and content fields (not the name, version or times), so
    /// that two versions can be compared without their bodies. Each field is length-prefixed and the data is
    /// sorted by key, so different contents never hash the same input.
    /// </summary>
    public string ComputeContentHash()
    {
        var builder = new StringBuilder();
        Append(builder, Channel);
        foreach (var field in (string?[])[Subject, HtmlBody, TextBody, Title, Body])
        {
            Append(builder, field);
        }

        var data = Data ?? new Dictionary<string, string>();
        foreach (var (key, value) in data.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Append(builder, key);
            Append(builder, value);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())));
    }

    // A null field is written as "-" and a string as its length, a colon and the string.
    private static void Append(StringBuilder builder, string? field)
    {
        if (field is null)
        {
            builder.Append('-');
            return;
        }

        builder.Append(field.Length).Append(':').Append(field);
    }
}
