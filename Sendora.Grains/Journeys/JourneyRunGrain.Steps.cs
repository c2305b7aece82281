using System.Text.Json;
using Sendora.Grains.Channels;
using Sendora.Grains.Ingestion;
using Sendora.Grains.Profiles;

namespace Sendora.Grains.Journeys;

public sealed partial class JourneyRunGrain
{
    /// <summary>Runs steps of one run until it waits, ends, or the profile is gone.</summary>
    private async Task RunStepsAsync(Pass pass, JourneyRun run)
    {
        if (await pass.DefinitionAsync(run.Version) is not { } definition)
        {
            return;
        }

        for (var steps = 0; steps < MaxStepsPerPass && JourneyRunStatuses.IsActive(run.Status); steps++)
        {
            var now = clock.GetUtcNow();
            if (!definition.Steps.TryGetValue(run.StepId, out var step))
            {
                End(run, JourneyRunStatuses.Exited, $"step {run.StepId} is not in version {run.Version}", now);
                return;
            }

            var waited = run.Status == JourneyRunStatuses.Waiting;
            if (waited && run.WaitUntil > now && !pass.Recheck.Contains(run.Number))
            {
                return;
            }

            if (!await RunStepAsync(pass, run, definition, step, now))
            {
                return;
            }
        }
    }

    /// <summary>Runs one step; returns false when the run waits or stops here for this pass.</summary>
    private async Task<bool> RunStepAsync(Pass pass, JourneyRun run, JourneyDefinition definition, JourneyStep step, DateTimeOffset now)
    {
        switch (step)
        {
            case DelayStep delay:
            {
                var until = run.StepEnteredAt + delay.Duration;
                if (until > now)
                {
                    Wait(run, until);
                    return false;
                }

                StopWaiting(run);
                Advance(run, step, step.Next, now);
                return true;
            }

            case WaitUntilStep wait:
            {
                var deadline = run.StepEnteredAt + wait.Timeout;
                if (wait.ConditionJson is { } condition)
                {
                    pass.Recheck.Remove(run.Number);
                    var matches = await MatchesAsync(condition);
                    if (matches is null)
                    {
                        End(run, JourneyRunStatuses.Exited, "the profile was merged or deleted", now);
                        return false;
                    }

                    if (matches == true)
                    {
                        StopWaiting(run);
                        Advance(run, step, step.Next, now);
                        return true;
                    }
                }

                if (deadline > now)
                {
                    Wait(run, deadline);
                    return false;
                }

                StopWaiting(run);
                Advance(run, step, wait.TimeoutNext, now);
                return true;
            }

            case TimeWindowStep window:
            {
                var profile = await ProfileAsync(pass);
                var opens = window.NextOpening(now, TimeZoneOf(profile), definition.TimeZone);
                if (opens > now)
                {
                    Wait(run, opens);
                    return false;
                }

                StopWaiting(run);
                Advance(run, step, step.Next, now);
                return true;
            }

            case BranchStep branch:
            {
                var next = branch.Else;
                foreach (var path in branch.Paths)
                {
                    var matches = await MatchesAsync(path.ConditionJson);
                    if (matches is null)
                    {
                        End(run, JourneyRunStatuses.Exited, "the profile was merged or deleted", now);
                        return false;
                    }

                    if (matches == true)
                    {
                        next = path.Next;
                        break;
                    }
                }

                Advance(run, step, next, now);
                return true;
            }

            case SplitStep split:
                Advance(run, step, split.Paths[split.PathFor(_journeyId, _profileId)].Next, now);
                return true;

            case EmailStep or PushStep or WebhookStep:
            {
                var profile = await ProfileAsync(pass);
                if (profile is null || profile.MergedInto is not null)
                {
                    End(run, JourneyRunStatuses.Exited, "the profile was merged or deleted", now);
                    return false;
                }

                var version = (await pass.VersionAsync(run.Version))!;
                var request = BuildDelivery(run, step, version, definition, profile);
                await GrainFactory.GetGrain<IDeliveryGrain>(GrainKeys.Scoped(_workspaceId, request.DeliveryId)).SendAsync(request);
                if (!run.Deliveries.Contains(request.DeliveryId))
                {
                    run.Deliveries.Add(request.DeliveryId);
                }

                Advance(run, step, step.Next, now);
                return true;
            }

            case UpdateTraitStep update:
            {
                var result = await GrainFactory.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, _profileId))
                    .ApplyAsync([TraitMessage(run, update, now)]);
                if (result.ForwardedTo is not null || result.NotOwner)
                {
                    End(run, JourneyRunStatuses.Exited, "the profile was merged or deleted", now);
                    return false;
                }

                pass.ProfileLoaded = false;
                Advance(run, step, step.Next, now);
                return true;
            }

            default:
                End(run, JourneyRunStatuses.Exited, $"exit step {step.Id}", now);
                return false;
        }
    }

    private async Task<bool?> MatchesAsync(string conditionJson) =>
        await GrainFactory.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, _profileId)).MatchesAsync(conditionJson);

    private async Task<ProfileSnapshot?> ProfileAsync(Pass pass)
    {
        if (!pass.ProfileLoaded)
        {
            pass.Profile = await GrainFactory.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, _profileId)).GetSnapshotAsync();
            pass.ProfileLoaded = true;
        }

        return pass.Profile;
    }

    private static string? TimeZoneOf(ProfileSnapshot? profile)
    {
        if (profile?.Traits.GetValueOrDefault("timezone") is not { } json)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.String ? document.RootElement.GetString() : null;
    }

    /// <summary>The delivery id: the same for a step run again after a crash, so the message is sent once.</summary>
    private string DeliveryId(JourneyRun run, JourneyStep step) => $"{_journeyId}:{run.Version}:{_profileId}:{run.Number}:{step.Id}";

    private DeliveryRequest BuildDelivery(
        JourneyRun run, JourneyStep step, JourneyVersion version, JourneyDefinition definition, ProfileSnapshot profile)
    {
        var request = new DeliveryRequest
        {
            DeliveryId = DeliveryId(run, step),
            ProfileId = _profileId,
            Channel = DeliveryChannels.Email,
            JourneyId = _journeyId,
            JourneyVersion = run.Version,
            StepId = step.Id,
            ContextJson = ContextJson(run, step, definition, profile),
        };

        switch (step)
        {
            case EmailStep email:
            {
                var template = email.TemplateId is { } id ? version.Templates[id] : null;
                return request with
                {
                    Transactional = email.Transactional,
                    Email = new EmailContent(
                        email.To,
                        template?.Subject ?? email.Subject ?? string.Empty,
                        template is null ? email.HtmlBody : template.HtmlBody,
                        template is null ? email.TextBody : template.TextBody),
                };
            }

            case PushStep push:
            {
                var template = push.TemplateId is { } id ? version.Templates[id] : null;
                var tokens = profile.ExternalIds
                    .Where(i => i.Type.EndsWith(".push_token", StringComparison.Ordinal))
                    .Select(i => new PushToken(i.Type, i.Id))
                    .ToList();
                return request with
                {
                    Channel = DeliveryChannels.Push,
                    Transactional = push.Transactional,
                    Push = new PushContent(
                        template?.Title ?? push.Title ?? string.Empty,
                        template?.Body ?? push.Body ?? string.Empty,
                        template is null ? push.Data : template.Data,
                        tokens),
                };
            }

            default:
            {
                var webhook = (WebhookStep)step;
                return request with
                {
                    Channel = DeliveryChannels.Webhook,
                    Webhook = new WebhookContent(webhook.Url, webhook.Headers, webhook.BodyTemplate, webhook.SigningSecret),
                };
            }
        }
    }

    /// <summary>The template context: <c>{"traits":{…},"event":{…},"journey":{…}}</c>.</summary>
    private string ContextJson(JourneyRun run, JourneyStep step, JourneyDefinition definition, ProfileSnapshot profile)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("traits");
            foreach (var (name, json) in profile.Traits)
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(json, skipInputValidation: true);
            }

            writer.WriteEndObject();
            writer.WritePropertyName("event");
            if (run.TriggerEvent is { } e)
            {
                writer.WriteStartObject();
                writer.WriteString("type", e.Type);
                writer.WriteString("name", e.Name);
                writer.WriteString("event", e.Name);
                writer.WriteString("messageId", e.MessageId);
                writer.WriteString("timestamp", Iso(e.Timestamp));
                writer.WritePropertyName("properties");
                writer.WriteRawValue(e.PropertiesJson, skipInputValidation: true);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteStartObject("journey");
            writer.WriteString("id", _journeyId);
            writer.WriteString("name", definition.Name);
            writer.WriteNumber("version", run.Version);
            writer.WriteNumber("run", run.Number);
            writer.WriteString("step", step.Id);
            writer.WriteString("profile_id", _profileId);
            writer.WriteString("entered_at", Iso(run.EnteredAt));
            if (run.TriggerAudienceId is { } audienceId)
            {
                writer.WriteString("audience_id", audienceId);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>An identify message that sets the step's traits, with a message id that makes a repeat a duplicate.</summary>
    private TrackedMessage TraitMessage(JourneyRun run, UpdateTraitStep step, DateTimeOffset now)
    {
        var messageId = $"journey:{DeliveryId(run, step)}";
        var timestamp = Iso(now);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", MessageTypes.Identify);
            writer.WriteString("messageId", messageId);
            writer.WritePropertyName("traits");
            writer.WriteRawValue(step.TraitsJson, skipInputValidation: true);
            writer.WriteStartObject("context");
            writer.WriteStartObject("journey");
            writer.WriteString("id", _journeyId);
            writer.WriteNumber("version", run.Version);
            writer.WriteNumber("run", run.Number);
            writer.WriteString("step", step.Id);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteString("timestamp", timestamp);
            writer.WriteString("receivedAt", timestamp);
            writer.WriteEndObject();
        }

        return new TrackedMessage
        {
            Type = MessageTypes.Identify,
            MessageId = messageId,
            Timestamp = now,
            ReceivedAt = now,
            TraitsJson = step.TraitsJson,
            SourceId = $"journey:{_journeyId}",
            Json = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length),
        };
    }

    private static string Iso(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
