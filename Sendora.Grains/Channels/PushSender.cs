using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Options;

namespace Sendora.Grains.Channels;

/// <summary>
/// Sends push notifications through the FCM HTTP v1 API, one request per device token, with an OAuth token
/// from a service account.
/// </summary>
public sealed class PushSender(IOptions<ChannelOptions> options, TimeProvider clock) : IDisposable
{
    public const string MessagingScope = "https://www.googleapis.com/auth/firebase.messaging";

    // FCM does not redirect, and a redirect must not carry the OAuth token to another host.
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly SemaphoreSlim _credentialLock = new(1, 1);
    private (ServiceAccountCredential Credential, string ProjectId)? _account;

    private PushChannelOptions Settings => options.Value.Push;

    /// <summary>
    /// Sends to every token. The delivery is sent when one token accepted it; tokens FCM reports as
    /// <c>UNREGISTERED</c> are listed in the outcome.
    /// </summary>
    public async Task<SendOutcome> SendAsync(string title, string body, PushContent push, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(push);
        if (push.Tokens.Count == 0)
        {
            return SendOutcome.Failed("The delivery has no push tokens.");
        }

        (ServiceAccountCredential Credential, string ProjectId) account;
        try
        {
            account = await GetAccountAsync(cancellationToken);
        }
        catch (PushConfigurationException exception)
        {
            return SendOutcome.Failed(exception.Message);
        }

        string accessToken;
        try
        {
            accessToken = await account.Credential.GetAccessTokenForRequestAsync(cancellationToken: cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or Google.Apis.Auth.OAuth2.Responses.TokenResponseException
                                              or InvalidOperationException)
        {
            return SendOutcome.Failed($"Could not get an FCM access token from the service account: {exception.Message}");
        }

        var unregistered = new List<PushToken>();
        var errors = new List<string>();
        string? firstName = null;
        var temporary = false;
        TimeSpan? retryAfter = null;
        foreach (var token in push.Tokens)
        {
            var result = await SendOneAsync(account.ProjectId, accessToken, title, body, push, token, cancellationToken);
            if (result.Name is not null)
            {
                firstName ??= result.Name;
            }
            else if (result.Unregistered)
            {
                unregistered.Add(token);
            }
            else
            {
                errors.Add(result.Error!);
                temporary |= result.Temporary;
                if (result.RetryAfter > retryAfter || retryAfter is null)
                {
                    retryAfter = result.RetryAfter;
                }
            }
        }

        if (firstName is not null)
        {
            return SendOutcome.Sent(firstName) with { UnregisteredTokens = unregistered, Reason = errors.FirstOrDefault() };
        }

        // Nothing reached a device, so sending every token again cannot notify anyone twice.
        if (temporary)
        {
            return SendOutcome.Temporary(errors[0]) with { UnregisteredTokens = unregistered, RetryAfter = retryAfter };
        }

        var reason = errors.Count > 0 ? errors[0] : "FCM reported every token as unregistered.";
        return SendOutcome.Failed(reason) with { UnregisteredTokens = unregistered };
    }

    /// <summary>What FCM made of one token: its message name when accepted, else the error and whether it may pass.</summary>
    private readonly record struct TokenResult(
        string? Name, string? Error = null, bool Unregistered = false, bool Temporary = false, TimeSpan? RetryAfter = null);

    private async Task<TokenResult> SendOneAsync(
        string projectId, string accessToken, string title, string body, PushContent push, PushToken token,
        CancellationToken cancellationToken)
    {
        var message = new JsonObject
        {
            ["token"] = token.Token,
            ["notification"] = new JsonObject { ["title"] = title, ["body"] = body },
        };
        if (push.Data is { Count: > 0 } data)
        {
            message["data"] = new JsonObject(data.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))));
        }

        var url = $"{Settings.BaseUrl.TrimEnd('/')}/v1/projects/{Uri.EscapeDataString(projectId)}/messages:send";
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(new JsonObject { ["message"] = message }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return new TokenResult(ReadString(text, "name") ?? string.Empty);
            }

            var error = $"FCM replied {(int)response.StatusCode} for a {token.Type} token: {Shorten(text)}";
            if (text.Contains("\"UNREGISTERED\"", StringComparison.Ordinal))
            {
                return new TokenResult(null, error, Unregistered: true);
            }

            // FCM asks for a retry with 429 (QUOTA_EXCEEDED) and 5xx (UNAVAILABLE, INTERNAL), often with Retry-After.
            return WebhookSender.IsTemporary(response.StatusCode)
                ? new TokenResult(null, error, Temporary: true, RetryAfter: SendOutcome.ReadRetryAfter(response, clock.GetUtcNow()))
                : new TokenResult(null, error);
        }
        catch (HttpRequestException exception)
        {
            return new TokenResult(null, $"The FCM request failed: {exception.Message}", Temporary: true);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new TokenResult(null, $"FCM did not reply within {Settings.Timeout}.", Temporary: true);
        }
    }

    private async Task<(ServiceAccountCredential Credential, string ProjectId)> GetAccountAsync(CancellationToken cancellationToken)
    {
        if (_account is { } cached)
        {
            return cached;
        }

        await _credentialLock.WaitAsync(cancellationToken);
        try
        {
            _account ??= await LoadAccountAsync(cancellationToken);
            return _account.Value;
        }
        finally
        {
            _credentialLock.Release();
        }
    }

    private async Task<(ServiceAccountCredential, string)> LoadAccountAsync(CancellationToken cancellationToken)
    {
        var json = Settings.ServiceAccountJson;
        if (string.IsNullOrWhiteSpace(json) && !string.IsNullOrWhiteSpace(Settings.ServiceAccountPath))
        {
            try
            {
                json = await File.ReadAllTextAsync(Settings.ServiceAccountPath, cancellationToken);
            }
            catch (IOException exception)
            {
                throw new PushConfigurationException(
                    $"Could not read {ChannelOptions.SectionName}:Push:ServiceAccountPath '{Settings.ServiceAccountPath}': {exception.Message}");
            }
        }

        if (string.IsNullOrWhiteSpace(json))
        {
            throw new PushConfigurationException(
                $"Push is not configured: set {ChannelOptions.SectionName}:Push:ServiceAccountJson or {ChannelOptions.SectionName}:Push:ServiceAccountPath.");
        }

        string? email, privateKey, tokenUri, projectId;
        try
        {
            email = ReadString(json, "client_email");
            privateKey = ReadString(json, "private_key");
            tokenUri = ReadString(json, "token_uri");
            projectId = ReadString(json, "project_id");
        }
        catch (JsonException exception)
        {
            throw new PushConfigurationException($"The service account JSON is invalid: {exception.Message}");
        }

        if (email is null || privateKey is null)
        {
            throw new PushConfigurationException("The service account JSON lacks client_email or private_key.");
        }

        projectId = !string.IsNullOrWhiteSpace(Settings.ProjectId) ? Settings.ProjectId : projectId;
        if (string.IsNullOrWhiteSpace(projectId))
        {
            throw new PushConfigurationException(
                $"No Firebase project id: set {ChannelOptions.SectionName}:Push:ProjectId or project_id in the service account.");
        }

        var tokenServer = Settings.TokenUri ?? tokenUri ?? GoogleAuthConsts.OidcTokenUrl;
        var initializer = new ServiceAccountCredential.Initializer(email, tokenServer) { Scopes = [MessagingScope] };
        try
        {
            return (new ServiceAccountCredential(initializer.FromPrivateKey(privateKey)), projectId);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException
                                              or System.Security.Cryptography.CryptographicException)
        {
            throw new PushConfigurationException($"The service account's private key is invalid: {exception.Message}");
        }
    }

    private static string? ReadString(string json, string property)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Object
               && document.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    public void Dispose()
    {
        _http.Dispose();
        _credentialLock.Dispose();
    }

    private sealed class PushConfigurationException(string message) : Exception(message);
}
