namespace Sendora.Grains.Channels;

/// <summary>An email after its templates were rendered.</summary>
/// <param name="To">The recipient's address.</param>
/// <param name="Subject">The subject line.</param>
/// <param name="HtmlBody">The HTML part, or null for none.</param>
/// <param name="TextBody">The plain text part, or null for none.</param>
/// <param name="DeliveryKey">
/// Identifies the delivery across its attempts. Each attempt of one delivery then carries the same Message-ID, so a
/// receiver can drop a copy sent again after a reply that never arrived. Null gives each message a new one.
/// </param>
public sealed record RenderedEmail(string To, string Subject, string? HtmlBody, string? TextBody, string? DeliveryKey = null);
