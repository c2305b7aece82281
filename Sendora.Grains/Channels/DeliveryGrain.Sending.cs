using System.Text.Json;
using Sendora.Grains.Identity;
using Sendora.Grains.Profiles;

namespace Sendora.Grains.Channels;

public sealed partial class DeliveryGrain
{
    /// <summary>Applies the rules, then saves <c>sending</c>, calls the provider and saves the outcome.</summary>
    private async Task<DeliveryRecord> AttemptAsync()
    {
        var request = delivery.State.Request!;
        var record = delivery.State.Record!;
        var now = clock.GetUtcNow();
        using var context = JsonDocument.Parse(request.ContextJson);
        var traits = context.RootElement.TryGetProperty("traits", out var t) && t.ValueKind == JsonValueKind.Object ? t : default;
        var rules = _options.RulesFor(_workspaceId);

        if (!request.Transactional && request.Channel != DeliveryChannels.Webhook && rules.QuietHours is { } quiet
            && QuietHoursWindow.EndOf(quiet, ReadString(traits, "timezone"), now) is { } end)
        {
            await ScheduleAsync(record with { Status = DeliveryStatuses.Queued, Reason = $"Quiet hours until {end:O}." }, end);
            return delivery.State.Record!;
        }

        string? address = null;
        if (request.Channel == DeliveryChannels.Email)
        {
            try
            {
                // A step's To is a template, such as {{ traits.work_email }}, like its subject and bodies.
                address = request.Email!.To is { } to
                    ? (await senders.Templates.RenderAsync("To", to, context.RootElement)).Trim()
                    : ReadString(traits, "email");
            }
            catch (TemplateException exception)
            {
                return await FinishAsync(record, DeliveryStatuses.Failed, exception.Message);
            }

            if (string.IsNullOrWhiteSpace(address))
            {
                return await FinishAsync(record, DeliveryStatuses.Failed, "The email has no To address and the profile no email trait.");
            }
        }

        var cap = rules.FrequencyCaps.TryGetValue(request.Channel, out var c) ? new CapRule(c.Limit, c.Window) : null;
        var admission = await GrainFactory.GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(_workspaceId, request.ProfileId))
            .AdmitAsync(new AdmissionRequest(request.DeliveryId, request.Channel, request.Transactional, address, cap, now));
        if (!admission.IsAllowed)
        {
            return await FinishAsync(record, admission.Status!, admission.Reason);
        }

        SendOutcome outcome;
        try
        {
            outcome = await SendThroughChannelAsync(request, context.RootElement, address, record.Attempts + 1);
        }
        catch (TemplateException exception)
        {
            return await FinishAsync(record, DeliveryStatuses.Failed, exception.Message);
        }

        return await ApplyOutcomeAsync(request, outcome);
    }

    /// <summary>Renders the content, saves <c>sending</c> and calls the channel's provider.</summary>
    private async Task<SendOutcome> SendThroughChannelAsync(DeliveryRequest request, JsonElement context, string? address, int attempt)
    {
        var templates = senders.Templates;
        switch (request.Channel)
        {
            case DeliveryChannels.Email:
            {
                var content = request.Email!;
                var email = new RenderedEmail(
                    address!,
                    await templates.RenderAsync("subject", content.Subject, context),
                    content.HtmlBody is null ? null : await templates.RenderAsync("HTML body", content.HtmlBody, context, TemplateOutput.Html),
                    content.TextBody is null ? null : await templates.RenderAsync("text body", content.TextBody, context),
                    GrainKeys.Scoped(_workspaceId, request.DeliveryId));
                await MarkSendingAsync(attempt);
                return await senders.Email.SendAsync(email, UnsubscribeUrl(request), CancellationToken.None);
            }

            case DeliveryChannels.Push:
            {
                var content = request.Push!;
                var title = await templates.RenderAsync("push title", content.Title, context);
                var body = await templates.RenderAsync("push body", content.Body, context);
                await MarkSendingAsync(attempt);
                return await senders.Push.SendAsync(title, body, content, CancellationToken.None);
            }

            default:
            {
                var content = request.Webhook!;
                var body = request.ContextJson;
                if (content.BodyTemplate is not null)
                {
                    body = await templates.RenderAsync("webhook body", content.BodyTemplate, context, TemplateOutput.Json);
                    if (!IsJson(body))
                    {
                        return SendOutcome.Failed("The webhook body template did not produce valid JSON.");
                    }
                }

                // The reminder brings a webhook back if this activation dies during the POST.
                delivery.State.HasReminder = true;
                await this.RegisterOrUpdateReminder(RetryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
                await MarkSendingAsync(attempt);
                return await senders.Webhook.SendAsync(request.DeliveryId, content, body, CancellationToken.None);
            }
        }
    }

    private async Task MarkSendingAsync(int attempt)
    {
        delivery.State.FirstAttemptAt ??= clock.GetUtcNow();
        await SaveAsync(delivery.State.Record! with
        {
            Status = DeliveryStatuses.Sending,
            Attempts = attempt,
            NextAttemptAt = null,
        });
    }

    private async Task<DeliveryRecord> ApplyOutcomeAsync(DeliveryRequest request, SendOutcome outcome)
    {
        var record = delivery.State.Record! with
        {
            ProviderMessageId = outcome.ProviderMessageId ?? delivery.State.Record!.ProviderMessageId,
            UnregisteredTokens = outcome.UnregisteredTokens,
        };
        if (outcome.UnregisteredTokens.Count > 0)
        {
            await RemoveTokensAsync(request.ProfileId, outcome.UnregisteredTokens);
        }

        if (outcome.UndeliverableAddress is { } address)
        {
            await GrainFactory.GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(_workspaceId, request.ProfileId))
                .MarkUndeliverableAsync(address, outcome.Reason ?? "Rejected by the SMTP server.");
        }

        if (outcome.Status == DeliveryStatuses.Sent)
        {
            LogSent(Key, request.Channel, record.Attempts);
            return await FinishAsync(record with { SentAt = clock.GetUtcNow() }, DeliveryStatuses.Sent, outcome.Reason);
        }

        if (outcome.Status == DeliveryStatuses.Retrying && NextRetry(request.Channel, record.Attempts, outcome.RetryAfter) is { } due)
        {
            LogRetrying(Key, request.Channel, record.Attempts, due);
            await ScheduleAsync(record with { Status = DeliveryStatuses.Retrying, Reason = outcome.Reason }, due);
            return delivery.State.Record!;
        }

        var reason = outcome.Status == DeliveryStatuses.Retrying
            ? $"{outcome.Reason} Gave up after {record.Attempts} attempts."
            : outcome.Reason;
        LogFailed(Key, request.Channel, record.Attempts);
        return await FinishAsync(record, DeliveryStatuses.Failed, reason);
    }

    /// <summary>Removes unregistered tokens from the profile, and from its survivor when it was merged.</summary>
    private async Task RemoveTokensAsync(string profileId, IReadOnlyList<PushToken> tokens)
    {
        var keys = tokens.Select(t => new ExternalIdKey(t.Type, t.Token)).ToList();
        try
        {
            var next = profileId;
            for (var hops = 0; next is not null && hops < 8; hops++)
            {
                next = await GrainFactory.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, next)).RemovePushTokensAsync(keys);
            }
        }
        catch (Exception exception)
        {
            // The delivery's record lists the tokens; a later push to them is reported unregistered again.
            LogTokenRemovalFailed(exception, Key);
        }
    }

    /// <summary>Returns when to try again after <paramref name="attempts"/> attempts, or null to give up.</summary>
    private DateTimeOffset? NextRetry(string channel, int attempts, TimeSpan? retryAfter)
    {
        var now = clock.GetUtcNow();
        if (channel == DeliveryChannels.Email)
        {
            var email = _options.Email;
            return attempts >= email.MaxAttempts ? null : now + email.RetryDelay * Math.Pow(2, attempts - 1);
        }

        RetrySchedule? schedule = channel switch
        {
            DeliveryChannels.Webhook => _options.Webhook,
            DeliveryChannels.Push => _options.Push,
            _ => null,
        };
        return schedule?.NextAttempt(now, delivery.State.FirstAttemptAt ?? now, attempts, retryAfter);
    }

    private async Task<DeliveryRecord> FinishAsync(DeliveryRecord record, string status, string? reason)
    {
        var hadReminder = delivery.State.HasReminder;
        await SaveAsync(record with { Status = status, Reason = reason, NextAttemptAt = null });
        if (hadReminder)
        {
            await UnregisterReminderAsync();
        }
        return delivery.State.Record!;
    }

    private Uri? UnsubscribeUrl(DeliveryRequest request)
    {
        if (request.Transactional || string.IsNullOrWhiteSpace(_options.UnsubscribeBaseUrl))
        {
            return null;
        }

        var token = senders.UnsubscribeTokens.Create(new UnsubscribeTarget(_workspaceId, request.ProfileId, request.Channel));
        return new Uri($"{_options.UnsubscribeBaseUrl.TrimEnd('/')}/v1/unsubscribe/{token}");
    }

    private static string? ReadString(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value)
                                                  && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static bool IsJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
