using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;
using Xunit.Sdk;

namespace Sendora.Tests.Clients;

/// <summary>A profile as the profile API returns it: its events, traits and external ids.</summary>
public sealed class StoredProfile
{
    private const int PageSize = 100;

    private StoredProfile(
        string externalId, IReadOnlyList<JsonElement> events, JsonElement traits, IReadOnlyList<JsonElement> externalIds)
    {
        ExternalId = externalId;
        Events = events;
        Traits = traits;
        ExternalIds = externalIds;
    }

    /// <summary>The external id the profile was read by, such as <c>user_id:42</c>.</summary>
    public string ExternalId { get; }

    /// <summary>The profile's events, newest first.</summary>
    public IReadOnlyList<JsonElement> Events { get; }

    /// <summary>The <c>traits</c> object of the traits response.</summary>
    public JsonElement Traits { get; }

    public IReadOnlyList<JsonElement> ExternalIds { get; }

    /// <summary>
    /// Reads the profile with the admin token, one page of up to 100 of each, and fails when a
    /// response is not 200 or reports that more pages follow.
    /// </summary>
    public static async Task<StoredProfile> ReadAsync(SendoraServer server, string externalId)
    {
        var query = $"?limit={PageSize}";
        var events = await ReadPageAsync(server, SendoraServer.ProfilePath(externalId, "events", query));
        var traits = await ReadPageAsync(server, SendoraServer.ProfilePath(externalId, "traits", query));
        var ids = await ReadPageAsync(server, SendoraServer.ProfilePath(externalId, "external_ids", query));
        return new StoredProfile(
            externalId,
            [.. events.GetProperty("data").EnumerateArray()],
            traits.GetProperty("traits"),
            [.. ids.GetProperty("data").EnumerateArray()]);
    }

    /// <summary>Returns the one event with <paramref name="messageId"/>, failing with the stored ids otherwise.</summary>
    public JsonElement SingleEvent(string messageId)
    {
        var matches = Events.Where(e => e.GetProperty("messageId").GetString() == messageId).ToList();
        if (matches.Count != 1)
        {
            throw new XunitException(
                $"Expected one event with messageId '{messageId}' on {ExternalId}, found {matches.Count}. " +
                $"Stored messageIds: {string.Join(", ", MessageIds())}");
        }

        return matches[0];
    }

    /// <summary>Returns the one event of <paramref name="type"/>, failing with the stored types otherwise.</summary>
    public JsonElement SingleEventOfType(string type)
    {
        var matches = Events.Where(e => e.GetProperty("type").GetString() == type).ToList();
        if (matches.Count != 1)
        {
            var types = Events.Select(e => e.GetProperty("type").GetString());
            throw new XunitException(
                $"Expected one {type} event on {ExternalId}, found {matches.Count}. Stored types: {string.Join(", ", types)}");
        }

        return matches[0];
    }

    public IEnumerable<string?> MessageIds() => Events.Select(e => e.GetProperty("messageId").GetString());

    /// <summary>Returns the external ids as <c>type:id</c> strings.</summary>
    public IEnumerable<string> ExternalIdStrings() =>
        ExternalIds.Select(e => $"{e.GetProperty("type").GetString()}:{e.GetProperty("id").GetString()}");

    private static async Task<JsonElement> ReadPageAsync(SendoraServer server, string path)
    {
        using var response = await server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var body = await JsonAssert.ReadAsync(response);
        if (body.GetProperty("cursor").GetProperty("has_more").GetBoolean())
        {
            throw new XunitException($"GET {path} has more than one page: {body}");
        }

        return body;
    }
}
