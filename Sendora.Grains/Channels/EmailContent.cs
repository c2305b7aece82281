namespace Sendora.Grains.Channels;

/// <summary>
/// An email to send. <see cref="Subject"/>, <see cref="HtmlBody"/> and <see cref="TextBody"/> are Liquid
/// templates over the request's context. <see cref="To"/> defaults to the profile's <c>email</c> trait.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.EmailContent")]
public sealed record EmailContent(
    [property: Id(0)] string? To,
    [property: Id(1)] string Subject,
    [property: Id(2)] string? HtmlBody,
    [property: Id(3)] string? TextBody);
