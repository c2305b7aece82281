using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Sendora.Tests.Channels;

/// <summary>
/// Google's OAuth token endpoint and FCM's send endpoint on loopback. The token endpoint checks the JWT assertion's
/// RS256 signature with the test service account's public key; the send endpoint checks the bearer token and the
/// message, and replies <c>UNREGISTERED</c> for <see cref="UnregisteredToken"/>. As FCM does under load, it replies
/// 503 <c>UNAVAILABLE</c> to the first two sends to a token starting with <see cref="BusyPrefix"/> and 429
/// <c>QUOTA_EXCEEDED</c> to the first one to a token starting with <see cref="QuotaPrefix"/>, each with
/// <c>Retry-After: 1</c>, and 400 <c>INVALID_ARGUMENT</c> to a token starting with <see cref="InvalidPrefix"/>.
/// </summary>
public sealed class FcmStandIn : IAsyncDisposable
{
    public const string ProjectId = "sendora-test";
    public const string UnregisteredToken = "token-unregistered";
    public const string BusyPrefix = "token-busy-";
    public const string QuotaPrefix = "token-quota-";
    public const string InvalidPrefix = "token-invalid-";
    private const string AccessToken = "ya29.test-access-token";

    private readonly RSA _key = RSA.Create(2048);
    private LoopbackHttpServer? _server;

    /// <summary>Messages accepted by the send endpoint, as their <c>message</c> objects.</summary>
    public ConcurrentQueue<JsonObject> Messages { get; } = new();

    /// <summary>Problems found in requests; a test asserts this stays empty.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public int TokenRequests;

    private readonly ConcurrentDictionary<string, int> _sends = new();

    /// <summary>How many send requests named <paramref name="token"/>, accepted or not.</summary>
    public int SendsTo(string token) => _sends.GetValueOrDefault(token);

    public Uri BaseAddress => _server!.BaseAddress;

    public string TokenUri => new Uri(BaseAddress, "/token").AbsoluteUri;

    public static async Task<FcmStandIn> StartAsync()
    {
        var fcm = new FcmStandIn();
        fcm._server = await LoopbackHttpServer.StartAsync(app =>
        {
            app.MapPost("/token", fcm.IssueTokenAsync);
            app.MapPost("/v1/projects/{project}/messages:send", fcm.AcceptMessageAsync);
        });
        return fcm;
    }

    /// <summary>Returns a service account key file whose token_uri points here.</summary>
    public string ServiceAccountJson() => new JsonObject
    {
        ["type"] = "service_account",
        ["project_id"] = ProjectId,
        ["private_key_id"] = "test-key",
        ["private_key"] = _key.ExportPkcs8PrivateKeyPem(),
        ["client_email"] = "sendora@sendora-test.iam.gserviceaccount.com",
        ["client_id"] = "1",
        ["token_uri"] = TokenUri,
    }.ToJsonString();

    private async Task<IResult> IssueTokenAsync(HttpRequest request)
    {
        Interlocked.Increment(ref TokenRequests);
        var form = await request.ReadFormAsync();
        var assertion = form["assertion"].ToString();
        var parts = assertion.Split('.');
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || parts.Length != 3)
        {
            Errors.Enqueue($"Bad token request: grant_type '{form["grant_type"]}', assertion of {parts.Length} parts.");
            return Results.BadRequest();
        }

        var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        if (!_key.VerifyData(signed, Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            Errors.Enqueue("The JWT assertion's signature does not verify with the service account's public key.");
            return Results.BadRequest(new { error = "invalid_grant" });
        }

        using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var scope = claims.RootElement.TryGetProperty("scope", out var s) ? s.GetString() : null;
        if (scope?.Contains("https://www.googleapis.com/auth/firebase.messaging", StringComparison.Ordinal) != true)
        {
            Errors.Enqueue($"The JWT assertion has scope '{scope}' instead of the FCM messaging scope.");
        }

        return Results.Json(new { access_token = AccessToken, expires_in = 3600, token_type = "Bearer" });
    }

    private async Task<IResult> AcceptMessageAsync(string project, HttpRequest request)
    {
        if (request.Headers.Authorization != $"Bearer {AccessToken}")
        {
            Errors.Enqueue($"A send request had Authorization '{request.Headers.Authorization}' instead of the issued bearer token.");
            return Results.Json(new { error = new { code = 401, status = "UNAUTHENTICATED" } }, statusCode: 401);
        }

        if (project != ProjectId)
        {
            Errors.Enqueue($"A send request named project '{project}' instead of '{ProjectId}'.");
        }

        var body = (await JsonNode.ParseAsync(request.Body))?.AsObject();
        if (body?["message"] is not JsonObject message || message["token"]?.GetValue<string>() is not { } token
            || message["notification"]?["title"] is null)
        {
            Errors.Enqueue($"A send request lacked message.token or message.notification.title: {body?.ToJsonString()}");
            return Results.BadRequest();
        }

        var sends = _sends.AddOrUpdate(token, 1, (_, count) => count + 1);
        if ((token.StartsWith(BusyPrefix, StringComparison.Ordinal) && sends <= 2)
            || (token.StartsWith(QuotaPrefix, StringComparison.Ordinal) && sends <= 1))
        {
            var busy = token.StartsWith(BusyPrefix, StringComparison.Ordinal);
            request.HttpContext.Response.Headers.RetryAfter = "1";
            return Results.Json(
                new { error = new { code = busy ? 503 : 429, status = busy ? "UNAVAILABLE" : "RESOURCE_EXHAUSTED" } },
                statusCode: busy ? 503 : 429);
        }

        if (token.StartsWith(InvalidPrefix, StringComparison.Ordinal))
        {
            return Results.Json(new { error = new { code = 400, status = "INVALID_ARGUMENT" } }, statusCode: 400);
        }

        if (token == UnregisteredToken)
        {
            return Results.Json(JsonNode.Parse(
                """{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}"""),
                statusCode: 404);
        }

        Messages.Enqueue(message);
        return Results.Json(new { name = $"projects/{project}/messages/{Messages.Count}" });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _key.Dispose();
    }
}
