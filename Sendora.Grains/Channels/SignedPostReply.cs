namespace Sendora.Grains.Channels;

/// <summary>
/// The result of a <see cref="SignedPost"/>: the outcome, the HTTP status when the receiver replied, and the start of
/// the response body when the receiver replied with an error.
/// </summary>
public sealed record SignedPostReply(SendOutcome Outcome, int? StatusCode, string? BodyExcerpt);
