using System.Globalization;
using System.Text.RegularExpressions;
using Sendora.Gateway.Hosting;
using Sendora.Gateway.Tracking;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Admin.Audit;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private const int MaxAuditPageSize = 500;
    private const int MaxAuditTargetLength = 1_024;

    private static void MapAuditRoutes(RouteGroupBuilder admin)
    {
        admin.MapGet("/workspaces/{workspaceId}/audit", GetAuditLogAsync).WithName("GetAuditLog")
            .WithSummary("Lists the workspace's admin changes, newest first, filtered by time, actor, action and target, "
                + "with the value before and after; paged with limit and next");
    }

    private static async Task<IResult> GetAuditLogAsync(
        string workspaceId, IGrainFactory grains, string? from = null, string? to = null, string? actor = null,
        string? action = null, string? target = null, string? limit = null, string? next = null)
    {
        var (query, invalid) = ParseAuditQuery(from, to, actor, action, target, limit, next);
        if (invalid is not null)
        {
            return invalid;
        }

        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var page = await grains.GetGrain<IAuditLogGrain>(workspaceId).QueryAsync(query!);
        return TypedResults.Ok(new
        {
            data = page.Entries.Select(e => new
            {
                id = e.Id,
                at = e.At,
                actor = e.Actor,
                action = e.Action,
                target = e.Target,
                before = e.Before,
                after = e.After,
            }),
            next = page.Next is { } position ? AuditCursors.Encode(position) : null,
        });
    }

    private static (AuditQuery? Query, IResult? Invalid) ParseAuditQuery(
        string? from, string? to, string? actor, string? action, string? target, string? limit, string? next)
    {
        const string TimeRule = "an ISO 8601 time such as 2026-12-04T10:15:00Z or a date such as 2026-12-04, in UTC "
            + "unless it names an offset (send '+' as %2B)";
        var pageSize = 100;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize)
            || pageSize is < 1 or > MaxAuditPageSize))
        {
            return (null, Invalid("limit", $"a whole number from 1 to {MaxAuditPageSize}"));
        }

        DateTimeOffset? fromTime = null;
        if (from is not null)
        {
            if (ParseAuditTime(from) is not { } parsed)
            {
                return (null, Invalid("from", TimeRule));
            }

            fromTime = parsed;
        }

        DateTimeOffset? toTime = null;
        if (to is not null)
        {
            if (ParseAuditTime(to) is not { } parsed)
            {
                return (null, Invalid("to", TimeRule));
            }

            if (parsed <= fromTime)
            {
                return (null, Invalid("to", "a time later than 'from', because 'from' is inclusive and 'to' exclusive"));
            }

            toTime = parsed;
        }

        if (actor is not null && !GatewayOptionsValidator.IsActorName(actor))
        {
            return (null, Invalid("actor",
                "an actor name: 1 to 32 characters of lower-case letters, digits, '_', '-' and '.', starting with a letter"));
        }

        if (action is not null && !AuditActionPattern().IsMatch(action))
        {
            return (null, Invalid("action", "an action such as audience.update: lower-case letters and '_' around one '.'"));
        }

        if (target is not null && (target.Length == 0 || TextLength.IsOver(target, MaxAuditTargetLength) || target.StartsWith('/')))
        {
            return (null, Invalid("target", "a target path such as workspaces/w1/audiences/vip, without a leading '/', "
                + $"of 1 to {MaxAuditTargetLength:N0} characters"));
        }

        AuditPosition? after = null;
        if (next is not null && (after = AuditCursors.Decode(next)) is null)
        {
            return (null, Invalid("next", "a cursor returned as 'next' by an earlier page"));
        }

        return (new AuditQuery
        {
            From = fromTime,
            To = toTime,
            Actor = actor,
            Action = action,
            TargetPrefix = target,
            Limit = pageSize,
            After = after,
        }, null);
    }

    private static DateTimeOffset? ParseAuditTime(string text)
    {
        if (TimestampParser.TryParse(text, out var time, out _))
        {
            return time;
        }

        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
            : null;
    }

    /// <summary>
    /// Appends the entry of a change that another grain than the workspace stored, such as a template or a journey.
    /// NOTE: the entry is sent after that grain saved the change. When the send fails, the request fails but the
    /// change stays, without an entry.
    /// </summary>
    private static Task RecordAuditAsync(IGrainFactory grains, string workspaceId, AuditEntry change) =>
        grains.GetGrain<IAuditLogGrain>(workspaceId).AppendAsync([change]);

    // \z, not $, because $ also matches before a final newline.
    [GeneratedRegex(@"^[a-z][a-z_]{0,31}\.[a-z][a-z_]{0,31}\z")]
    private static partial Regex AuditActionPattern();
}
