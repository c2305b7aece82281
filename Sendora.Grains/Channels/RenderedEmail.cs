namespace Sendora.Grains.Channels;

/// <summary>An email after its templates were rendered.</summary>
public sealed record RenderedEmail(string To, string Subject, string? HtmlBody, string? TextBody);
