using System.Text.Json;

namespace Sendora.Tests.Infrastructure;

/// <summary>Reads JSON responses for assertions.</summary>
public static class JsonAssert
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new Xunit.Sdk.XunitException(
                $"Expected JSON from {response.RequestMessage?.RequestUri} ({(int)response.StatusCode}), got: {text} ({exception.Message})");
        }
    }

    /// <summary>Asserts the status code, showing the body when it differs.</summary>
    public static async Task StatusAsync(System.Net.HttpStatusCode expected, HttpResponseMessage response)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new Xunit.Sdk.XunitException(
                $"Expected {(int)expected} from {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}, " +
                $"got {(int)response.StatusCode}: {body}");
        }
    }
}
