namespace Sendora.Grains.Channels;

/// <summary>The silo-wide services a delivery grain sends with.</summary>
public sealed class DeliverySenders(
    TemplateRenderer templates, EmailSender email, WebhookSender webhook, PushSender push, UnsubscribeTokens unsubscribeTokens)
{
    public TemplateRenderer Templates { get; } = templates;

    public EmailSender Email { get; } = email;

    public WebhookSender Webhook { get; } = webhook;

    public PushSender Push { get; } = push;

    public UnsubscribeTokens UnsubscribeTokens { get; } = unsubscribeTokens;
}
