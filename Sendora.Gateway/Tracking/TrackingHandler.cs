using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;
using Sendora.Gateway.Identity;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Groups;
using Sendora.Grains.Ingestion;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Takes one tracking request from body to persisted profiles: authenticates the write key, reads and
/// validates the body, normalizes each message, applies them with one grain call per profile, and
/// responds only after those calls have persisted. Rejections are stored with their source.
/// </summary>
public sealed partial class TrackingHandler(
    IGrainFactory grains,
    MessageNormalizer normalizer,
    IdentityResolver resolver,
    WriteKeyResolver writeKeys,
    IngestionCounters counters,
    SuppressionCache suppressions,
    TimeProvider clock,
    IOptions<IngestionOptions> options,
    IOptions<SourceHealthOptions> healthOptions,
    ILogger<TrackingHandler> logger)
{
    // The whole body may nest deeper than one message allows, so a too-deep message is rejected alone.
    private const int MaxBodyDepth = 256;

    private readonly IngestionOptions _options = options.Value;

    /// <summary>Handles a request; <paramref name="pathType"/> is the call type of a single-message path, null for a batch.</summary>
    public async Task HandleAsync(HttpContext context, string? pathType)
    {
        var request = context.Request;
        var receivedAt = Truncate(clock.GetUtcNow());
        var headerKey = HttpAuthorization.ReadBasicUser(request);
        WriteKeyBinding? binding = null;
        if (headerKey is not null)
        {
            binding = await ResolveAsync(context, headerKey);
            if (binding is null)
            {
                return;
            }
        }

        var isBatch = pathType is null;
        var limit = isBatch ? _options.MaxBatchBytes : _options.MaxMessageBytes;
        var read = await RequestBodyReader.ReadAsync(
            request,
            limit,
            size => isBatch ? IngestionError.BatchTooLarge(size, limit) : IngestionError.MessageTooLarge(size, limit),
            context.RequestAborted);
        if (binding is { Enabled: false })
        {
            // The source is known, so its rejection is kept like any other, with what the request sent.
            await RejectRequestAsync(context, binding, SourceDisabled(), read.Body ?? read.Start, receivedAt, read.Size);
            return;
        }

        if (read.Error is not null)
        {
            await RejectRequestAsync(context, binding, read.Error, read.Start, receivedAt, read.Size);
            return;
        }

        var body = read.Body!;
        if (body.Length == 0)
        {
            await RejectRequestAsync(context, binding,
                new IngestionError("empty_body", "The request body is empty; send a JSON object."), body, receivedAt);
            return;
        }

        var bodyError = CheckEncoding(body);
        if (bodyError is not null)
        {
            await RejectRequestAsync(context, binding, bodyError, body, receivedAt);
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxBodyDepth });
        }
        catch (JsonException exception)
        {
            var error = exception.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase)
                ? new IngestionError("too_deep",
                    $"The body nests deeper than {MaxBodyDepth} levels, so none of it could be read; a message may nest "
                    + $"at most {_options.MaxNestingDepth} levels.")
                : new IngestionError("invalid_json", $"The body is not valid JSON: {FirstSentence(exception.Message)}");
            await RejectRequestAsync(context, binding, error, body, receivedAt);
            return;
        }

        using (document)
        {
            await HandleDocumentAsync(context, pathType, document.RootElement, binding, body, receivedAt);
        }
    }

    private async Task HandleDocumentAsync(
        HttpContext context, string? pathType, JsonElement root, WriteKeyBinding? binding, byte[] body, DateTimeOffset receivedAt)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            var kind = root.ValueKind == JsonValueKind.Array ? "an array" : root.ValueKind.ToString().ToLowerInvariant();
            await RejectRequestAsync(context, binding,
                new IngestionError("invalid_body", $"The body must be a JSON object, got {kind}."), body, receivedAt);
            return;
        }

        if (binding is null)
        {
            var bodyKey = root.TryFindProperty("writeKey", out var key) && key.ValueKind == JsonValueKind.String
                ? MessageNormalizer.ReadString(key)
                : null;
            if (string.IsNullOrWhiteSpace(bodyKey))
            {
                await RejectAsync(context, null, new IngestionError("missing_write_key",
                    "No write key: send it as the Basic auth user name or as \"writeKey\" in the body.",
                    StatusCodes.Status401Unauthorized));
                return;
            }

            binding = await ResolveAsync(context, bodyKey);
            if (binding is null)
            {
                return;
            }

            if (!binding.Enabled)
            {
                await RejectRequestAsync(context, binding, SourceDisabled(), body, receivedAt);
                return;
            }
        }

        var (items, itemsError) = ReadItems(root, pathType);
        if (itemsError is not null)
        {
            await RejectRequestAsync(context, binding, itemsError, body, receivedAt);
            return;
        }

        var defaults = pathType is null ? BatchDefaults.From(root) : BatchDefaults.None;
        await IngestAsync(context, pathType, binding, items, defaults, receivedAt);
    }

    private (IReadOnlyList<JsonElement> Items, IngestionError? Error) ReadItems(JsonElement root, string? pathType)
    {
        if (pathType is not null)
        {
            return ([root], null);
        }

        if (!root.TryFindProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Array)
        {
            return ([], new IngestionError("invalid_batch", "\"batch\" must be an array of messages."));
        }

        var count = batch.GetArrayLength();
        if (count == 0)
        {
            return ([], new IngestionError("empty_batch", "\"batch\" is empty; send at least one message."));
        }

        if (count > _options.MaxBatchMessages)
        {
            return ([], new IngestionError("too_many_messages",
                $"\"batch\" has {count} messages; the limit is {_options.MaxBatchMessages} messages per batch."));
        }

        return ([.. batch.EnumerateArray()], null);
    }

    private async Task IngestAsync(
        HttpContext context,
        string? pathType,
        WriteKeyBinding binding,
        IReadOnlyList<JsonElement> items,
        BatchDefaults defaults,
        DateTimeOffset receivedAt)
    {
        var rejections = new List<(int Index, IngestionError Error, JsonElement Item)>();
        var suppressedUserIds = await ReadSuppressionsAsync(context, binding.WorkspaceId);
        if (suppressedUserIds is null)
        {
            return;
        }

        var suppressed = 0;
        var candidates = new List<Candidate>();
        var candidateIndexes = new List<int>();
        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            var size = item.ValueKind == JsonValueKind.Object || item.ValueKind == JsonValueKind.Array
                ? Encoding.UTF8.GetByteCount(item.GetRawText())
                : 0;
            NormalizeResult result;
            try
            {
                result = normalizer.Normalize(item, size, pathType, defaults, binding.SourceId, receivedAt);
            }
            catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or FormatException)
            {
                // A message that the checks above let through but cannot be read is rejected alone, so the other
                // messages of its batch are kept.
                LogUnreadableMessage(exception, binding.SourceId, index);
                result = NormalizeResult.Rejected(new IngestionError("invalid_message",
                    $"The message could not be read: {exception.Message} Fix the message and send it again."));
            }

            if (result.Error is not null)
            {
                rejections.Add((index, result.Error, item));
                continue;
            }

            if (result.Message!.UserId is { } userId && suppressedUserIds.Contains(userId))
            {
                // A regulation asked that this person's data not be stored, so the message is only counted.
                suppressed++;
                continue;
            }

            candidates.Add(new Candidate(result.Message, result.CandidateIds!));
            candidateIndexes.Add(index);
        }

        ApplyResult[] results;
        try
        {
            var (byProfile, applied) = await ResolveAndApplyAsync(
                binding.WorkspaceId, candidates, candidateIndexes, items, rejections, useKnownOwners: true);
            RejectTooLarge(byProfile, applied, items, rejections);
            var rejected = byProfile.Keys.Where(profileId => applied[profileId].NotOwner).ToList();
            if (rejected.Count > 0)
            {
                // A profile rejected messages routed by remembered owners, so they are resolved again through the
                // Identity grains, with the other messages for that profile so that they keep their order.
                var again = new List<int>();
                foreach (var profileId in rejected)
                {
                    resolver.ForgetOwners(binding.WorkspaceId, byProfile[profileId].Select(entry => entry.Message));
                    // Entries contain positions in the request, so the retry takes the candidates at those positions.
                    again.AddRange(byProfile[profileId].Select(entry => candidateIndexes.BinarySearch(entry.Item)));
                    byProfile.Remove(profileId);
                    applied.Remove(profileId);
                }

                again.Sort();
                var (retried, retriedResults) = await ResolveAndApplyAsync(
                    binding.WorkspaceId,
                    [.. again.Select(i => candidates[i])],
                    [.. again.Select(i => candidateIndexes[i])],
                    items,
                    rejections,
                    useKnownOwners: false);
                RejectTooLarge(retried, retriedResults, items, rejections);
                if (retriedResults.Values.Any(result => result.NotOwner))
                {
                    // Only an erased profile rejects messages resolved through Identity grains, and it releases their
                    // ids as it does, so the client's next attempt starts a new profile. None of them may be lost.
                    throw new ProfileUnavailableException(
                        "A profile that was erased still owned an id of the messages; send the request again.");
                }

                foreach (var (profileId, entries) in retried)
                {
                    if (byProfile.TryGetValue(profileId, out var existing))
                    {
                        existing.AddRange(entries);
                        applied[profileId] = Sum(applied[profileId], retriedResults[profileId]);
                    }
                    else
                    {
                        byProfile[profileId] = entries;
                        applied[profileId] = retriedResults[profileId];
                    }
                }
            }

            results = [.. applied.Values];
            await ApplyGroupsAsync(binding.WorkspaceId, byProfile);
            if (rejections.Count > 0)
            {
                rejections.Sort((left, right) => left.Index.CompareTo(right.Index));
                await StoreRejectionsAsync(context, binding, rejections, pathType is null, receivedAt);
            }
        }
        catch (Exception exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogApplyFailed(exception, binding.SourceId);
            await WriteUnavailableAsync(context);
            return;
        }

        var accepted = results.Sum(r => r.Applied);
        var duplicates = results.Sum(r => r.Duplicates);
        counters.Add(binding.WorkspaceId, binding.SourceId, receivedAt, accepted, duplicates, suppressed);
        SendoraMetrics.RecordMessages(binding.WorkspaceId, binding.SourceId, accepted, duplicates, suppressed);
        foreach (var (_, error, _) in rejections)
        {
            SendoraMetrics.RecordRejected(binding.WorkspaceId, binding.SourceId, error.Code);
        }

        await WriteResultAsync(context, pathType is null, items.Count, rejections);
    }

    /// <summary>
    /// Resolves <paramref name="candidates"/>, whose items are at <paramref name="itemIndexes"/> of the request,
    /// and applies them with one call per profile. Returns the messages by the profile they landed on, with the
    /// position of each in the request, and each profile's result. A profile that rejected
    /// messages routed by remembered owners keeps its entry, with <see cref="ApplyResult.NotOwner"/> set.
    /// </summary>
    private async Task<(Dictionary<string, List<(int Item, TrackedMessage Message)>> ByProfile, Dictionary<string, ApplyResult> Results)>
        ResolveAndApplyAsync(
            string workspaceId,
            List<Candidate> candidates,
            List<int> itemIndexes,
            IReadOnlyList<JsonElement> items,
            List<(int Index, IngestionError Error, JsonElement Item)> rejections,
            bool useKnownOwners)
    {
        var resolutions = await resolver.ResolveAsync(workspaceId, candidates, useKnownOwners);
        var byProfile = new Dictionary<string, List<(int Item, TrackedMessage Message)>>(StringComparer.Ordinal);
        for (var i = 0; i < resolutions.Length; i++)
        {
            var resolution = resolutions[i];
            if (resolution.Error is not null)
            {
                rejections.Add((itemIndexes[i], resolution.Error, items[itemIndexes[i]]));
                continue;
            }

            if (!byProfile.TryGetValue(resolution.ProfileId!, out var messages))
            {
                byProfile[resolution.ProfileId!] = messages = [];
            }

            messages.Add((itemIndexes[i], resolution.Message!));
        }

        var groups = byProfile.Select(pair => new ProfileMessages(pair.Key, pair.Value.Select(entry => entry.Message).ToList()))
            .ToList();
        var applied = await ApplyAsync(workspaceId, groups);
        var results = new Dictionary<string, ApplyResult>(StringComparer.Ordinal);
        for (var i = 0; i < groups.Count; i++)
        {
            var (result, landedOn) = applied[i];
            if (!result.NotOwner)
            {
                resolver.RememberOwner(workspaceId, landedOn, groups[i].Messages);
            }

            results[groups[i].ProfileId] = result;
        }

        return (byProfile, results);
    }

    // Messages for several profiles go in one call to the ingest grain, which applies them inside the silo.
    private async Task<IReadOnlyList<ProfileApplication>> ApplyAsync(string workspaceId, List<ProfileMessages> groups) =>
        groups.Count switch
        {
            0 => [],
            1 => [await ProfileApplication.ApplyAsync(grains, workspaceId, groups[0].ProfileId, groups[0].Messages)],
            _ => await grains.GetGrain<IIngestGrain>(0).ApplyAsync(workspaceId, groups),
        };

    // A profile whose state would outgrow the storage's record applied none of its messages. Each is rejected, and
    // stored with the source, because sending it again would fail the same way.
    private static void RejectTooLarge(
        Dictionary<string, List<(int Item, TrackedMessage Message)>> byProfile,
        Dictionary<string, ApplyResult> applied,
        IReadOnlyList<JsonElement> items,
        List<(int Index, IngestionError Error, JsonElement Item)> rejections)
    {
        foreach (var (profileId, result) in applied)
        {
            if (result.TooLarge is not { } reason)
            {
                continue;
            }

            var error = new IngestionError("profile_too_large", reason);
            foreach (var (item, _) in byProfile[profileId])
            {
                rejections.Add((item, error, items[item]));
            }

            byProfile.Remove(profileId);
        }
    }

    // Returns null after responding 503 when the list could not be read, because a message of a suppressed person
    // must not be stored while the list is unknown.
    private async Task<IReadOnlySet<string>?> ReadSuppressionsAsync(HttpContext context, string workspaceId)
    {
        try
        {
            return await suppressions.GetAsync(workspaceId);
        }
        catch (Exception exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogSuppressionLookupFailed(exception, workspaceId);
            await WriteUnavailableAsync(context);
            return null;
        }
    }

    private static ApplyResult Sum(ApplyResult left, ApplyResult right) =>
        new(left.Applied + right.Applied, left.Duplicates + right.Duplicates);

    // Group calls also update the group's own grain: its traits and its members.
    private Task ApplyGroupsAsync(
        string workspaceId, Dictionary<string, List<(int Item, TrackedMessage Message)>> byProfile) =>
        Task.WhenAll(byProfile.SelectMany(pair => pair.Value
            .Select(entry => entry.Message)
            .Where(message => message.Type == MessageTypes.Group && message.GroupId is not null)
            .Select(message => grains
                .Reference<IGroupGrain>(GrainKeys.Scoped(workspaceId, GrainKeys.EncodeValue(message.GroupId!)))
                .ApplyAsync(message.GroupId!, message.TraitsJson, message.Timestamp, pair.Key))));

    private async Task StoreRejectionsAsync(
        HttpContext context,
        WriteKeyBinding binding,
        List<(int Index, IngestionError Error, JsonElement Item)> rejections,
        bool isBatch,
        DateTimeOffset receivedAt)
    {
        var stored = rejections.Select(r =>
        {
            var text = r.Item.GetRawText();
            return Keep(context.Request.Path, isBatch ? r.Index : null, r.Error, Encoding.UTF8.GetBytes(text), receivedAt);
        }).ToList();
        await grains.Reference<ISourceHealthGrain>(GrainKeys.Scoped(binding.WorkspaceId, binding.SourceId))
            .RecordRejectionsAsync(stored);
    }

    /// <summary>
    /// Rejects the whole request and keeps the start of <paramref name="body"/> with the source.
    /// <paramref name="size"/> is the size of the whole body when <paramref name="body"/> contains only its start.
    /// </summary>
    private async Task RejectRequestAsync(
        HttpContext context, WriteKeyBinding? binding, IngestionError error, byte[] body, DateTimeOffset receivedAt,
        long? size = null)
    {
        if (binding is not null)
        {
            try
            {
                var rejection = Keep(context.Request.Path, null, error, body, receivedAt, size);
                await grains.Reference<ISourceHealthGrain>(GrainKeys.Scoped(binding.WorkspaceId, binding.SourceId))
                    .RecordRejectionsAsync([rejection]);
            }
            catch (Exception exception) when (!context.RequestAborted.IsCancellationRequested)
            {
                // The client must not get a 400 for a rejection that was not kept: it gets 503 and retries.
                LogApplyFailed(exception, binding.SourceId);
                await WriteUnavailableAsync(context);
                return;
            }
        }

        await RejectAsync(context, binding, error);
    }

    private static Task RejectAsync(HttpContext context, WriteKeyBinding? binding, IngestionError error)
    {
        SendoraMetrics.RecordRejected(binding?.WorkspaceId, binding?.SourceId, error.Code);
        return WriteErrorAsync(context, error);
    }

    private RejectedMessage Keep(
        PathString path, int? index, IngestionError error, byte[] body, DateTimeOffset receivedAt, long? size = null)
    {
        var maxBytes = healthOptions.Value.MaxKeptBytes;
        var wholeSize = size ?? body.Length;
        var kept = body.AsSpan(0, Math.Min(body.Length, maxBytes));
        var isText = Utf8.IsValid(kept) || (wholeSize > kept.Length && kept.Length >= 3 && Utf8.IsValid(kept[..^3]));
        string text;
        if (isText)
        {
            // A cut can fall inside a multi-byte character; the decoder then drops that last partial character.
            text = Encoding.UTF8.GetString(kept).TrimEnd('\uFFFD');
        }
        else
        {
            text = Convert.ToBase64String(kept);
        }

        return new RejectedMessage
        {
            ReceivedAt = receivedAt,
            Path = path.Value ?? string.Empty,
            Index = index,
            Code = error.Code,
            Message = error.Message,
            Body = text,
            SizeBytes = (int)Math.Min(wholeSize, int.MaxValue),
            Truncated = wholeSize > kept.Length,
            Base64 = !isText,
        };
    }

    private async Task<WriteKeyBinding?> ResolveAsync(HttpContext context, string writeKey)
    {
        if (writeKey.Length > SourceInfo.MaxWriteKeyLength)
        {
            // No source has such a key, and storage may not take it as a key at all.
            await RejectAsync(context, null, new IngestionError("invalid_write_key",
                $"The write key is not valid: it has {writeKey.Length} characters, and write keys have at most "
                + $"{SourceInfo.MaxWriteKeyLength}.", StatusCodes.Status401Unauthorized));
            return null;
        }

        WriteKeyBinding? binding;
        try
        {
            binding = await writeKeys.ResolveAsync(writeKey);
        }
        catch (Exception exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogWriteKeyLookupFailed(exception);
            await WriteUnavailableAsync(context);
            return null;
        }

        if (binding is null)
        {
            await RejectAsync(context, null, new IngestionError("invalid_write_key",
                "The write key is not valid: no source has it.", StatusCodes.Status401Unauthorized));
            return null;
        }

        return binding;
    }

    private static IngestionError SourceDisabled() => new("source_disabled",
        "The source of this write key is disabled; enable it in the admin API.", StatusCodes.Status401Unauthorized);

    private static IngestionError? CheckEncoding(byte[] body)
    {
        if (Utf8.IsValid(body))
        {
            return null;
        }

        var offset = 0;
        try
        {
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(body);
        }
        catch (DecoderFallbackException exception)
        {
            offset = exception.Index;
        }

        return new IngestionError("invalid_utf8", $"The body is not valid UTF-8: invalid byte at offset {offset}.");
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static DateTimeOffset Truncate(DateTimeOffset value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected unreadable message {Index} of source {SourceId}")]
    private partial void LogUnreadableMessage(Exception exception, string sourceId, int index);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to apply messages of source {SourceId}; responding 503")]
    private partial void LogApplyFailed(Exception exception, string sourceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to read the suppressed userIds of workspace {WorkspaceId}; responding 503")]
    private partial void LogSuppressionLookupFailed(Exception exception, string workspaceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to look up a write key; responding 503")]
    private partial void LogWriteKeyLookupFailed(Exception exception);
}
