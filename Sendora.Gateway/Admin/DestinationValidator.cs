using System.Globalization;
using System.Text;
using System.Text.Json;
using Sendora.Grains;
using Sendora.Grains.Audiences;
using Sendora.Grains.Audiences.Language;
using Sendora.Grains.Channels;
using Sendora.Grains.Destinations;

namespace Sendora.Gateway.Admin;

/// <summary>
/// Checks a <see cref="DestinationRequest"/> against the workspace and the limits, and builds the definition to store.
/// Each error names the field in the request body and what it accepts.
/// </summary>
internal static class DestinationValidator
{
    public const int MaxNameLength = 256;
    public const int MaxUrlLength = 2_048;
    public const int MaxHeaders = 32;
    public const int MaxHeaderValueLength = 4_096;
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 256;
    public const int MaxSources = 100;
    public const int MaxEventNames = 1_000;
    public const int MaxMappingPaths = 100;
    public const int MaxPathLength = 256;
    public const int MaxAudienceIds = 1_000;
    public const int MaxWhereBytes = 65_536;
    public const int MaxBatchSize = 1_000;
    public const int MaxBatchAgeMs = 3_600_000;
    public const int MaxRetryPeriodMinutes = 10_080;

    /// <summary>The text that replaces the user name and password of a URL in responses and the audit log.</summary>
    public const string UserInfoMask = "********";

    /// <summary>An invalid field: its path in the request body and the message.</summary>
    public sealed record Error(string Field, string Message, IReadOnlyList<ConditionError>? ConditionErrors = null);

    public static DestinationDefinition? Build(
        string id, DestinationRequest request, DestinationDefinition? existing, IReadOnlyCollection<string> sourceIds,
        AudienceCatalog catalog, out Error? error)
    {
        error = Check(request, existing, sourceIds, catalog);
        if (error is not null)
        {
            return null;
        }

        var filter = request.Filter;
        var mapping = request.Mapping;
        var audiences = request.AudienceEvents;
        var defaults = new DestinationAudienceEvents();
        return new DestinationDefinition
        {
            Id = id,
            Name = request.Name!,
            SourceIds = [.. request.SourceIds!.Distinct(StringComparer.Ordinal)],
            Enabled = request.Enabled ?? existing?.Enabled ?? true,
            Url = request.Url!,
            Headers = request.Headers ?? new Dictionary<string, string>(),
            SigningSecret = request.SigningSecret ?? existing!.SigningSecret,
            Filter = new DestinationFilter
            {
                EventTypes = filter?.EventTypes ?? [],
                EventNames = filter?.EventNames ?? [],
                WhereJson = filter?.Where is { ValueKind: not JsonValueKind.Null } where ? where.GetRawText() : null,
            },
            Mapping = new DestinationMapping
            {
                Rename = mapping?.Rename ?? new Dictionary<string, string>(),
                Drop = mapping?.Drop ?? [],
            },
            AudienceEvents = new DestinationAudienceEvents
            {
                Enabled = audiences?.Enabled ?? false,
                AudienceIds = audiences?.AudienceIds ?? [],
                EnterEvent = audiences?.EnterEvent ?? defaults.EnterEvent,
                ExitEvent = audiences?.ExitEvent ?? defaults.ExitEvent,
            },
            BatchSize = request.BatchSize,
            MaxBatchAge = request.MaxBatchAgeMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            RetryPeriod = request.RetryPeriodMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
        };
    }

    private static Error? Check(
        DestinationRequest request, DestinationDefinition? existing, IReadOnlyCollection<string> sourceIds, AudienceCatalog catalog) =>
        CheckName(request.Name)
        ?? CheckUrl(request.Url)
        ?? CheckSecret(request.SigningSecret, existing)
        ?? CheckHeaders(request.Headers)
        ?? CheckSources(request.SourceIds, sourceIds)
        ?? CheckFilter(request.Filter)
        ?? CheckMapping(request.Mapping)
        ?? CheckAudienceEvents(request.AudienceEvents, catalog)
        ?? CheckRange("batchSize", request.BatchSize, 1, MaxBatchSize)
        ?? CheckRange("maxBatchAgeMs", request.MaxBatchAgeMs, 0, MaxBatchAgeMs)
        ?? CheckRange("retryPeriodMinutes", request.RetryPeriodMinutes, 1, MaxRetryPeriodMinutes);

    private static Error? CheckName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return new Error("name", "'name' must be a non-empty string; messages name the destination by it in 'integrations'.");
        }

        return TextLength.IsOver(name, MaxNameLength) ? TooLong("name", MaxNameLength, name) : null;
    }

    private static Error? CheckUrl(string? url)
    {
        if (url is not null && TextLength.IsOver(url, MaxUrlLength))
        {
            return TooLong("url", MaxUrlLength, url);
        }

        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            return new Error("url", $"'url' must be an absolute http or https URL, not {Describe(url)}.");
        }

        // HttpClient sends no Authorization header for a user name or password in the URL, so such credentials would
        // not reach the receiver, and they would be stored where every response shows them.
        return parsed.UserInfo.Length > 0
            ? new Error("url", "'url' must not contain a user name or password. Send credentials as a header in 'headers', "
                + "such as \"Authorization\": \"Basic …\", whose values responses and the audit log never show.")
            : null;
    }

    /// <summary>
    /// Returns <paramref name="url"/> with its user name and password, if any, replaced by <see cref="UserInfoMask"/>.
    /// Create and update reject such URLs, but a destination stored before they did may have one.
    /// </summary>
    public static string MaskUserInfo(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.UserInfo.Length == 0)
        {
            return url;
        }

        // The URL is rebuilt from its parts, so it may differ from the stored one in form, such as a host in lower case.
        var rest = parsed.GetComponents(
            UriComponents.Host | UriComponents.Port | UriComponents.PathAndQuery | UriComponents.Fragment, UriFormat.UriEscaped);
        return $"{parsed.Scheme}://{UserInfoMask}@{rest}";
    }

    private static Error? CheckSecret(string? secret, DestinationDefinition? existing)
    {
        if (secret is null)
        {
            return existing is null
                ? new Error("signingSecret", $"'signingSecret' is required: {MinSecretLength} to {MaxSecretLength} characters that sign each request.")
                : null;
        }

        var length = TextLength.Count(secret);
        return length is < MinSecretLength or > MaxSecretLength
            ? new Error("signingSecret", F($"'signingSecret' must be {MinSecretLength} to {MaxSecretLength} characters, not {length}."))
            : null;
    }

    private static Error? CheckHeaders(Dictionary<string, string>? headers)
    {
        if (headers is null)
        {
            return null;
        }

        if (headers.Count > MaxHeaders)
        {
            return new Error("headers", F($"'headers' must have at most {MaxHeaders} entries, not {headers.Count}."));
        }

        foreach (var (name, value) in headers)
        {
            var field = $"headers.{name}";
            if (name.Length is 0 or > MaxNameLength || !name.All(IsTokenCharacter))
            {
                return new Error(field, F($"A header name must be 1 to {MaxNameLength} letters, digits or !#$%&'*+-.^_`|~, not {Describe(name)}."));
            }

            if (WebhookSender.ReservedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return new Error(field, $"'{name}' is set by Sendora and cannot be replaced; reserved headers are {string.Join(", ", WebhookSender.ReservedHeaders)}.");
            }

            if (value is null || TextLength.IsOver(value, MaxHeaderValueLength) || value.Any(c => c is '\r' or '\n' or '\0'))
            {
                return new Error(field, F($"A header value must be a string of at most {MaxHeaderValueLength:N0} characters without line breaks."));
            }
        }

        return null;
    }

    private static Error? CheckSources(IReadOnlyList<string>? requested, IReadOnlyCollection<string> sourceIds)
    {
        if (requested is null || requested.Count == 0)
        {
            return new Error("sourceIds", F($"'sourceIds' must list 1 to {MaxSources} ids of the workspace's sources."));
        }

        if (requested.Count > MaxSources)
        {
            return new Error("sourceIds", F($"'sourceIds' must list at most {MaxSources} sources, not {requested.Count}."));
        }

        for (var i = 0; i < requested.Count; i++)
        {
            if (!sourceIds.Contains(requested[i]))
            {
                return new Error($"sourceIds[{i}]", $"The workspace has no source {Describe(requested[i])}.");
            }
        }

        return null;
    }

    private static Error? CheckFilter(DestinationFilterRequest? filter)
    {
        if (filter is null)
        {
            return null;
        }

        var types = filter.EventTypes ?? [];
        for (var i = 0; i < types.Count; i++)
        {
            if (!DestinationRules.MessageTypes.Contains(types[i]))
            {
                return new Error($"filter.eventTypes[{i}]",
                    $"An event type must be one of {string.Join(", ", DestinationRules.MessageTypes)}, not {Describe(types[i])}.");
            }
        }

        var names = filter.EventNames ?? [];
        if (names.Count > MaxEventNames)
        {
            return new Error("filter.eventNames", F($"'filter.eventNames' must list at most {MaxEventNames:N0} names, not {names.Count:N0}."));
        }

        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrEmpty(names[i]) || TextLength.IsOver(names[i], MaxNameLength))
            {
                return new Error($"filter.eventNames[{i}]", F($"An event name must be 1 to {MaxNameLength} characters."));
            }
        }

        if (filter.Where is not { ValueKind: not JsonValueKind.Null } where)
        {
            return null;
        }

        var bytes = Encoding.UTF8.GetByteCount(where.GetRawText());
        if (bytes > MaxWhereBytes)
        {
            return new Error("filter.where", F($"'filter.where' must be at most {MaxWhereBytes:N0} bytes of JSON, not {bytes:N0}."));
        }

        return PropertyCondition.Parse(where, "$", out var errors) is null
            ? new Error("filter.where", "'filter.where' is not a valid property condition.", errors)
            : null;
    }

    private static Error? CheckMapping(DestinationMappingRequest? mapping)
    {
        if (mapping is null)
        {
            return null;
        }

        var rename = mapping.Rename ?? [];
        if (rename.Count > MaxMappingPaths)
        {
            return new Error("mapping.rename", F($"'mapping.rename' must have at most {MaxMappingPaths} entries, not {rename.Count}."));
        }

        foreach (var (from, to) in rename)
        {
            if ((CheckPath($"mapping.rename.{from}", from) ?? CheckPath($"mapping.rename.{from}", to)) is { } error)
            {
                return error;
            }
        }

        var drop = mapping.Drop ?? [];
        if (drop.Count > MaxMappingPaths)
        {
            return new Error("mapping.drop", F($"'mapping.drop' must list at most {MaxMappingPaths} paths, not {drop.Count}."));
        }

        for (var i = 0; i < drop.Count; i++)
        {
            if (CheckPath($"mapping.drop[{i}]", drop[i]) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static Error? CheckPath(string field, string? path)
    {
        if (string.IsNullOrEmpty(path) || TextLength.IsOver(path, MaxPathLength) || path.Split('.').Any(s => s.Length == 0))
        {
            return new Error(field, F($"A path must be 1 to {MaxPathLength} characters of dot-separated field names, such as properties.total, not {Describe(path)}."));
        }

        return DestinationRules.FixedFields.Contains(path.Split('.')[0])
            ? new Error(field, $"A mapping cannot rename or drop {string.Join(" or ", DestinationRules.FixedFields)}, because receivers deduplicate and route by them.")
            : null;
    }

    private static Error? CheckAudienceEvents(DestinationAudienceEventsRequest? request, AudienceCatalog catalog)
    {
        if (request is null)
        {
            return null;
        }

        var ids = request.AudienceIds ?? [];
        if (ids.Count > MaxAudienceIds)
        {
            return new Error("audienceEvents.audienceIds", F($"'audienceEvents.audienceIds' must list at most {MaxAudienceIds:N0} audiences, not {ids.Count:N0}."));
        }

        for (var i = 0; i < ids.Count; i++)
        {
            if (!catalog.Audiences.Any(a => a.Id == ids[i]))
            {
                return new Error($"audienceEvents.audienceIds[{i}]", $"The workspace has no audience {Describe(ids[i])}.");
            }
        }

        foreach (var (field, name) in new[] { ("audienceEvents.enterEvent", request.EnterEvent), ("audienceEvents.exitEvent", request.ExitEvent) })
        {
            if (name is not null && (name.Length == 0 || TextLength.IsOver(name, MaxNameLength)))
            {
                return new Error(field, F($"'{field}' must be an event name of 1 to {MaxNameLength} characters."));
            }
        }

        return null;
    }

    private static Error? CheckRange(string field, int? value, int min, int max) =>
        value is { } v && (v < min || v > max)
            ? new Error(field, F($"'{field}' must be a whole number from {min:N0} to {max:N0}, not {v:N0}."))
            : null;

    private static Error TooLong(string field, int max, string value) =>
        new(field, F($"'{field}' must be at most {max:N0} characters, not {TextLength.Count(value):N0}."));

    private static bool IsTokenCharacter(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);

    private static string Describe(string? value) => value is null ? "null" : JsonSerializer.Serialize(value);

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
