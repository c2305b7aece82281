using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Health;

/// <summary>Builds the JSON body that the alert webhook receives.</summary>
public static class AlertPayload
{
    /// <summary>
    /// Returns <c>{"type", "workspaceId", "alert": {…}}</c>, where <paramref name="type"/> is <c>alert.opened</c> or
    /// <c>alert.resolved</c> and times are ISO-8601 UTC with milliseconds.
    /// </summary>
    public static string Serialize(string workspaceId, string type, AlertRecord alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return JsonSerializer.Serialize(new
        {
            type,
            workspaceId,
            alert = new
            {
                id = alert.Id,
                kind = alert.Kind,
                subject = alert.Subject,
                status = alert.ResolvedAt is null ? "open" : "resolved",
                openedAt = IsoDates.Format(alert.OpenedAt),
                resolvedAt = alert.ResolvedAt is { } resolvedAt ? IsoDates.Format(resolvedAt) : null,
                observed = alert.Observed,
                expected = alert.Expected,
                message = alert.Message,
            },
        });
    }
}
