using System.Net;
using System.Text;
using System.Text.Json;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Tracking;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Conformance;

/// <summary>
/// Sends the bad requests of RudderStack's gateway tests, as the corpus records them, to every tracking
/// path they apply to. Sendora's statuses and codes differ from RudderStack's plain-text responses, so each
/// is checked for what clients rely on: a 4xx status and a JSON error with a message.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class GatewayRequestCaseTests(SendoraFixture fixture)
{
    private const string CasesFile = "rudder-server_gateway-test_request-cases.json";

    private static readonly string[] Endpoints =
        ["/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias", "/v1/batch"];

    private readonly SendoraServer _server = fixture.Server;

    public static TheoryData<string, string> BadRequests
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var requestCase in ReadCases().Where(c => c.GetProperty("expect_status").GetInt32() >= 400))
            {
                var endpoints = requestCase.TryGetProperty("endpoint", out var only) ? [only.GetString()!] : Endpoints;
                foreach (var endpoint in endpoints)
                {
                    data.Add(requestCase.GetProperty("name").GetString()!, endpoint);
                }
            }

            if (data.Count == 0)
            {
                data.Add(string.Empty, string.Empty);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequest_Returns4xxWithMessage(string name, string endpoint)
    {
        if (name.Length == 0)
        {
            return;
        }

        var requestCase = ReadCases().Single(c => c.GetProperty("name").GetString() == name);
        var request = Post(endpoint, BodyFor(requestCase, endpoint));
        if (requestCase.TryGetProperty("headers", out var headers))
        {
            foreach (var header in headers.EnumerateObject())
            {
                request.WithHeader(header.Name, header.Value.GetString()!);
            }
        }
        else
        {
            request.WithWriteKey(await WriteKeyForAsync(name));
        }

        var response = await _server.SendAsync(request);

        Assert.InRange((int)response.StatusCode, 400, 499);
        var error = await JsonAssert.ReadAsync(response);
        Assert.False(error.GetProperty("success").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("code").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    private static JsonElement[] ReadCases()
    {
        if (SpecCorpus.Directory is not { } directory || !File.Exists(Path.Combine(directory, CasesFile)))
        {
            return [];
        }

        using var cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, CasesFile)));
        return [.. cases.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone())];
    }

    /// <summary>
    /// Returns the body a case sends to <paramref name="endpoint"/>: its batch form on /v1/batch when it
    /// has one, and templates filled in with RudderStack's default request limit of 4,000 KB.
    /// </summary>
    private static byte[] BodyFor(JsonElement requestCase, string endpoint)
    {
        var isBatch = endpoint == "/v1/batch";
        if (requestCase.TryGetProperty("body_template", out var template))
        {
            var single = template.GetString()!.Replace("<maxReqSize x 'a'>", new string('a', 4_000 * 1024), StringComparison.Ordinal);
            var text = isBatch && requestCase.TryGetProperty("batch_body_template", out var batchTemplate)
                ? batchTemplate.GetString()!.Replace("<same>", single, StringComparison.Ordinal)
                : single;
            return Encoding.UTF8.GetBytes(text);
        }

        var body = isBatch && requestCase.TryGetProperty("batch_body", out var batchBody) ? batchBody : requestCase.GetProperty("body");
        return body.ValueKind == JsonValueKind.Null ? [] : Encoding.UTF8.GetBytes(body.GetString()!);
    }

    /// <summary>Returns the write key a case without headers means: an unknown one, a disabled one, or a valid one.</summary>
    private async Task<string> WriteKeyForAsync(string name)
    {
        switch (name)
        {
            case "invalid-write-key":
                return "wk_unknown_" + Guid.NewGuid().ToString("N");
            case "disabled-source":
                var source = await _server.CreateSourceAsync("request-case-disabled");
                await _server.SetSourceEnabledAsync(source.Id, enabled: false);
                return source.WriteKey;
            default:
                return _server.WriteKey;
        }
    }
}
