namespace Sendora.Grains.Channels;

/// <summary>
/// One JSON POST signed with HMAC-SHA256: the URL, extra headers, the signing secret, the <c>Idempotency-Key</c>
/// header's value, the body and how long to wait for the reply.
/// </summary>
public sealed record SignedPost(
    Uri Url,
    IReadOnlyDictionary<string, string>? Headers,
    string Secret,
    string IdempotencyKey,
    string Body,
    TimeSpan Timeout);
