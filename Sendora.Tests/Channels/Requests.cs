using System.Text.Json.Nodes;
using Sendora.Grains.Channels;

namespace Sendora.Tests.Channels;

/// <summary>Builds delivery requests with unique ids for the tests.</summary>
public static class Requests
{
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static string Context(string? email = null, string? timezone = null, string firstName = "Ada") =>
        new JsonObject
        {
            ["traits"] = new JsonObject { ["first_name"] = firstName, ["email"] = email, ["timezone"] = timezone },
            ["event"] = new JsonObject { ["event"] = "Order Completed", ["properties"] = new JsonObject { ["total"] = 42 } },
            ["journey"] = new JsonObject { ["name"] = "Welcome" },
        }.ToJsonString();

    public static DeliveryRequest Email(
        string profileId, string address, bool transactional = false, string? deliveryId = null, string? timezone = null,
        string subject = "Hello {{ traits.first_name }}") => new()
    {
        DeliveryId = deliveryId ?? NewId("email"),
        ProfileId = profileId,
        Channel = DeliveryChannels.Email,
        Transactional = transactional,
        JourneyId = "welcome",
        JourneyVersion = 1,
        StepId = "step-email",
        ContextJson = Context(address, timezone),
        Email = new EmailContent(
            null,
            subject,
            "<p>Hi {{ traits.first_name }}, your total is {{ event.properties.total }}.</p>",
            "Hi {{ traits.first_name }}, your total is {{ event.properties.total }}."),
    };

    public static DeliveryRequest Webhook(string profileId, string url, string? deliveryId = null, string? bodyTemplate = null) => new()
    {
        DeliveryId = deliveryId ?? NewId("webhook"),
        ProfileId = profileId,
        Channel = DeliveryChannels.Webhook,
        ContextJson = Context($"{profileId}@example.test"),
        Webhook = new WebhookContent(url, new Dictionary<string, string> { ["X-Test"] = "yes" }, bodyTemplate),
    };

    public static DeliveryRequest Push(string profileId, params string[] tokens) => new()
    {
        DeliveryId = NewId("push"),
        ProfileId = profileId,
        Channel = DeliveryChannels.Push,
        ContextJson = Context(),
        Push = new PushContent(
            "Hi {{ traits.first_name }}",
            "Your total is {{ event.properties.total }}",
            new Dictionary<string, string> { ["screen"] = "orders" },
            [.. tokens.Select(t => new PushToken("ios.push_token", t))]),
    };
}
