using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Sendora.Gateway.Admin;
using Sendora.Gateway.Tracking;
using Sendora.Grains;
using Sendora.Grains.Groups;
using Sendora.Grains.Identity;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Profiles;

/// <summary>
/// Segment's Profile API: a profile's traits, events and external ids, looked up by any external id
/// (<c>user_id:42</c>, <c>anonymous_id:a1</c>), in Segment's response shapes and paging.
/// </summary>
public static class ProfileApi
{
    private const int DefaultLimit = 10;
    private const int MaxLimit = 100;

    // What Decode returns for a token that is not base64url. NUL never occurs in a trait name,
    // because the tracking API removes it from every key.
    private const string InvalidCursor = "\0";

    public static IEndpointRouteBuilder MapProfileApi(this IEndpointRouteBuilder endpoints)
    {
        var profiles = endpoints.MapGroup("/v1/spaces/{workspaceId}/collections/users/profiles/{externalId}")
            .AddEndpointFilter<AdminAuthorization>()
            .WithTags("Profiles");
        profiles.MapGet("/traits", GetTraitsAsync).WithName("GetProfileTraits")
            .WithSummary("Returns a profile's traits, sorted by name and paged with limit and next");
        profiles.MapGet("/events", GetEventsAsync).WithName("GetProfileEvents")
            .WithSummary("Returns a profile's recent events, newest first, paged with limit and next");
        profiles.MapGet("/external_ids", GetExternalIdsAsync).WithName("GetProfileExternalIds")
            .WithSummary("Returns the external ids of a profile with their type, source and first-seen time");
        profiles.MapGet("/merges", GetMergesAsync).WithName("GetProfileMerges")
            .WithSummary("Returns the merges a profile absorbed: when, which ids, and the message that caused each");
        profiles.MapGet("/links", GetLinksAsync).WithName("GetProfileLinks")
            .WithSummary("Returns the groups (accounts) a profile belongs to");
        profiles.MapGet("/memberships", GetMembershipsAsync).WithName("GetProfileMemberships")
            .WithSummary("Returns the audiences a profile is a member of, with when it entered each");

        var accounts = endpoints.MapGroup("/v1/spaces/{workspaceId}/collections/accounts/profiles/{externalId}")
            .AddEndpointFilter<AdminAuthorization>()
            .WithTags("Profiles");
        accounts.MapGet("/traits", GetAccountTraitsAsync).WithName("GetAccountTraits")
            .WithSummary("Returns a group's traits, looked up by group_id:{id}");
        accounts.MapGet("/links", GetAccountLinksAsync).WithName("GetAccountLinks")
            .WithSummary("Returns the profiles that belong to a group");
        return endpoints;
    }

    private static async Task<IResult> GetTraitsAsync(
        string workspaceId, string externalId, HttpContext context, IGrainFactory grains,
        string? limit = null, string? next = null, string? include = null)
    {
        var (profile, failure) = await LoadAsync(workspaceId, ReadExternalId(context, externalId), limit, grains);
        if (failure is not null)
        {
            return failure;
        }

        var pageSize = ParseLimit(limit);
        var names = include is { Length: > 0 }
            ? include.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet()
            : null;
        var after = Decode(next);
        if (after == InvalidCursor)
        {
            return InvalidParameter("next", "a cursor returned by a previous page");
        }

        var ordered = profile!.Traits.Keys
            .Where(name => names is null || names.Contains(name))
            .Order(StringComparer.Ordinal)
            .Where(name => after is null || string.CompareOrdinal(name, after) > 0)
            .ToList();
        var page = ordered.Take(pageSize).ToList();
        var hasMore = ordered.Count > page.Count;

        return Json(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("traits");
            foreach (var name in page)
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(profile.Traits[name], skipInputValidation: true);
            }

            writer.WriteEndObject();
            WriteCursor(writer, context, hasMore, hasMore ? Encode(page[^1]) : null);
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> GetEventsAsync(
        string workspaceId, string externalId, HttpContext context, IGrainFactory grains,
        string? limit = null, string? next = null)
    {
        var (profile, failure) = await LoadAsync(workspaceId, ReadExternalId(context, externalId), limit, grains);
        if (failure is not null)
        {
            return failure;
        }

        EventCursor? after = null;
        if (Decode(next) is { } cursor)
        {
            var bar = cursor.IndexOf('|');
            if (bar <= 0 || !long.TryParse(cursor[..bar], out var ticks)
                || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return InvalidParameter("next", "a cursor returned by a previous page");
            }

            after = new EventCursor(new DateTimeOffset(ticks, TimeSpan.Zero), cursor[(bar + 1)..]);
        }

        var grain = grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profile!.ProfileId));
        var page = await grain.GetEventsAsync(ParseLimit(limit), after);
        return Json(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var stored in page.Events)
            {
                WriteEvent(writer, stored);
            }

            writer.WriteEndArray();
            var nextToken = page.Next is { } n ? Encode($"{n.Timestamp.UtcTicks}|{n.MessageId}") : null;
            WriteCursor(writer, context, page.Next is not null, nextToken);
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> GetExternalIdsAsync(
        string workspaceId, string externalId, HttpContext context, IGrainFactory grains,
        string? limit = null, string? next = null)
    {
        var (profile, failure) = await LoadAsync(workspaceId, ReadExternalId(context, externalId), limit, grains);
        if (failure is not null)
        {
            return failure;
        }

        var start = 0;
        if (Decode(next) is { } cursor
            && !int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out start))
        {
            return InvalidParameter("next", "a cursor returned by a previous page");
        }

        var ids = profile!.ExternalIds.Skip(start).Take(ParseLimit(limit)).ToList();
        var hasMore = start + ids.Count < profile.ExternalIds.Count;
        return Json(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var id in ids)
            {
                writer.WriteStartObject();
                writer.WriteString("id", id.Id);
                writer.WriteString("type", id.Type);
                writer.WriteString("source_id", id.SourceId);
                writer.WriteString("collection", "users");
                writer.WriteString("created_at", TimestampParser.Format(id.CreatedAt));
                writer.WriteString("encoding", "none");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteCursor(writer, context, hasMore, hasMore ? Encode((start + ids.Count).ToString()) : null);
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> GetMergesAsync(
        string workspaceId, string externalId, HttpContext context, IGrainFactory grains, string? limit = null)
    {
        var (profile, failure) = await LoadAsync(workspaceId, externalId, limit, grains);
        if (failure is not null)
        {
            return failure;
        }

        return Json(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var merge in profile!.Merges.Reverse())
            {
                writer.WriteStartObject();
                writer.WriteString("merged_at", TimestampParser.Format(merge.MergedAt));
                writer.WriteString("merged_profile_id", merge.AbsorbedProfileId);
                writer.WriteStartArray("external_ids");
                foreach (var id in merge.ExternalIds)
                {
                    writer.WriteStringValue(id);
                }

                writer.WriteEndArray();
                writer.WriteString("message_id", merge.CauseMessageId);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("refused_merges", profile.RefusedMerges);
            WriteCursor(writer, context, false, null);
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> GetMembershipsAsync(
        string workspaceId, string externalId, HttpContext context, IGrainFactory grains, string? limit = null)
    {
        var (profile, failure) = await LoadAsync(workspaceId, ReadExternalId(context, externalId), limit, grains);
        if (failure is not null)
        {
            return failure;
        }

        var memberships = await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profile!.ProfileId))
            .GetMembershipsAsync();
        return Json(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var membership in memberships)
            {
                writer.WriteStartObject();
                writer.WriteString("audience_id", membership.AudienceId);
                writer.WriteString("name", membership.Name);
                writer.WriteString("entered_at", TimestampParser.Format(membership.Since));
                writer.WriteNumber("audience_version", membership.Version);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteCursor(writer, context, false, null);
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> GetLinksAsync(
        string workspaceId, string externalId, HttpContext context, IGrainFactory grains, string? limit = null)
    {
        var (profile, failure) = await LoadAsync(workspaceId, externalId, limit, grains);
        if (failure is not null)
        {
            return failure;
        }

        return Json(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var groupId in profile!.GroupIds)
            {
                writer.WriteStartObject();
                writer.WriteString("to_collection", "accounts");
                writer.WriteStartArray("external_ids");
                writer.WriteStartObject();
                writer.WriteString("id", groupId);
                writer.WriteString("type", "group_id");
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteCursor(writer, context, false, null);
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> GetAccountTraitsAsync(
        string workspaceId, string externalId, HttpContext context, IGrainFactory grains)
    {
        var (group, failure) = await LoadGroupAsync(workspaceId, externalId, grains);
        if (failure is not null)
        {
            return failure;
        }

        return Json(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("traits");
            foreach (var (name, value) in group!.Traits.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(value, skipInputValidation: true);
            }

            writer.WriteEndObject();
            WriteCursor(writer, context, false, null);
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> GetAccountLinksAsync(
        string workspaceId, string externalId, HttpContext context, IGrainFactory grains)
    {
        var (group, failure) = await LoadGroupAsync(workspaceId, externalId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var members = await Task.WhenAll(group!.MemberProfileIds.Select(id =>
            grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, id)).GetIdentityAsync()));
        return Json(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var member in members.Where(m => m.MergedInto is null))
            {
                writer.WriteStartObject();
                writer.WriteString("to_collection", "users");
                writer.WriteStartArray("external_ids");
                foreach (var id in member.ExternalIds)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", id.Id);
                    writer.WriteString("type", id.Type);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteCursor(writer, context, false, null);
            writer.WriteEndObject();
        });
    }

    private static async Task<(GroupSnapshot? Group, IResult? Failure)> LoadGroupAsync(
        string workspaceId, string externalId, IGrainFactory grains)
    {
        const string prefix = "group_id:";
        if (!externalId.StartsWith(prefix, StringComparison.Ordinal) || externalId.Length == prefix.Length)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid external id",
                detail: $"'{externalId}' is not a group id: use group_id:{{id}}."));
        }

        var groupId = externalId[prefix.Length..];
        var group = await grains.GetGrain<IGroupGrain>(GrainKeys.Scoped(workspaceId, GrainKeys.EncodeValue(groupId))).GetAsync();
        return group is null
            ? (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Group not found",
                detail: $"No group in workspace '{workspaceId}' has the id '{groupId}'."))
            : (group, null);
    }

    private static async Task<(ProfileSnapshot? Profile, IResult? Failure)> LoadAsync(
        string workspaceId, string externalId, string? limit, IGrainFactory grains)
    {
        if (limit is not null && (!int.TryParse(limit, out var parsed) || parsed < 1 || parsed > MaxLimit))
        {
            return (null, InvalidParameter("limit", $"a whole number from 1 to {MaxLimit}"));
        }

        var colon = externalId.IndexOf(':');
        if (colon <= 0 || colon == externalId.Length - 1 || workspaceId.Contains('/'))
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid external id",
                detail: $"'{externalId}' is not an external id: use type:value, such as user_id:42 or anonymous_id:a1."));
        }

        var identity = grains.GetGrain<IIdentityGrain>(
            GrainKeys.ForExternalId(workspaceId, externalId[..colon], externalId[(colon + 1)..]));
        var profileId = await identity.ResolveAsync();
        var profile = profileId is null
            ? null
            : await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId)).GetSnapshotAsync();

        // A merged profile forwards to its survivor; an id not yet moved by the merge still finds it.
        for (var hop = 0; profile?.MergedInto is { } survivor && hop < 8; hop++)
        {
            profile = await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, survivor)).GetSnapshotAsync();
        }

        return profile is null || profile.MergedInto is not null
            ? (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Profile not found",
                detail: $"No profile in workspace '{workspaceId}' has the external id '{externalId}'."))
            : (profile, null);
    }

    /// <summary>
    /// Returns the external id segment of the raw request target, percent-decoded once. Kestrel
    /// decodes the path except <c>%2F</c>, so the route value cannot tell <c>a/b</c> (sent as
    /// <c>a%2Fb</c>) from <c>a%2Fb</c> (sent as <c>a%252Fb</c>). Falls back to the route value when
    /// the raw target is not a plain path.
    /// </summary>
    private static string ReadExternalId(HttpContext context, string routeValue)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (target is null || !target.StartsWith('/'))
        {
            return routeValue;
        }

        var path = target.AsSpan();
        var query = path.IndexOf('?');
        if (query >= 0)
        {
            path = path[..query];
        }

        // The path ends with /{externalId}/{resource}, possibly followed by slashes.
        path = path.TrimEnd('/');
        path = path[..path.LastIndexOf('/')];
        return Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..].ToString());
    }

    private static void WriteEvent(Utf8JsonWriter writer, StoredEvent stored)
    {
        using var envelope = JsonDocument.Parse(stored.Envelope);
        writer.WriteStartObject();
        foreach (var property in envelope.RootElement.EnumerateObject())
        {
            // A client may send its own top-level source_id, which the envelope passes through.
            if (property.NameEquals("source_id"))
            {
                continue;
            }

            property.WriteTo(writer);
        }

        writer.WriteString("source_id", stored.SourceId);
        writer.WriteEndObject();
    }

    private static void WriteCursor(Utf8JsonWriter writer, HttpContext context, bool hasMore, string? next)
    {
        writer.WriteStartObject("cursor");
        // The raw target keeps the client's escaping, which the decoded Path loses for ids such as a%2Fb.
        var url = context.Features.Get<IHttpRequestFeature>()?.RawTarget
            ?? context.Request.Path + context.Request.QueryString;
        writer.WriteString("url", url);
        writer.WriteBoolean("has_more", hasMore);
        writer.WriteString("next", next ?? string.Empty);
        writer.WriteEndObject();
    }

    private static IResult Json(HttpContext context, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return TypedResults.Bytes(buffer.WrittenMemory.ToArray(), "application/json");
    }

    private static IResult InvalidParameter(string name, string expected) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid query parameter",
            detail: $"'{name}' must be {expected}.");

    private static int ParseLimit(string? limit) => limit is null ? DefaultLimit : int.Parse(limit);

    private static string Encode(string cursor) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(cursor)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? Decode(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return InvalidCursor;
        }
    }
}
