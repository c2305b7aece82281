using System.IO.Compression;
using System.Net;
using System.Text;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

/// <summary>Requests the gateway rejects whole: each gets its status, code and message, and nothing is stored.</summary>
[Collection(SendoraCollection.Name)]
public sealed class BadInputTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Theory]
    [InlineData("/v1/track")]
    [InlineData("/v1/batch")]
    public async Task Body_InvalidJson_Returns400AndStoresNothing(string path)
    {
        var user = NewId("invalid-json");
        var body = path == "/v1/batch"
            ? $$$"""{"batch":[{"type":"track","userId":"{{{user}}}","event":"E"}]"""
            : $$$"""{"userId":"{{{user}}}","event":"E",""";

        var response = await _server.PostAsync(path, body);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "invalid_json");
        Assert.Contains("JSON", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task Body_PlainText_Returns400InvalidJson()
    {
        var response = await _server.SendAsync(Post("/v1/t", "not-a-valid-json", "text/plain").WithWriteKey(_server.WriteKey));

        await response.ReadErrorAsync(HttpStatusCode.BadRequest, "invalid_json");
    }

    [Theory]
    [InlineData("/v1/track")]
    [InlineData("/v1/batch")]
    public async Task Body_Empty_Returns400(string path)
    {
        var response = await _server.PostAsync(path, string.Empty);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "empty_body");
        Assert.Contains("empty", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/track")]
    [InlineData("/v1/batch")]
    public async Task Body_JsonArray_Returns400AndStoresNothing(string path)
    {
        var user = NewId("array-body");

        var response = await _server.PostAsync(path, $$$"""[{"type":"track","userId":"{{{user}}}","event":"E"}]""");

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "invalid_body");
        Assert.Contains("array", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Theory]
    [InlineData("\"a string\"")]
    [InlineData("42")]
    [InlineData("null")]
    public async Task Body_JsonScalar_Returns400(string body)
    {
        var response = await _server.PostAsync("/v1/track", body);

        await response.ReadErrorAsync(HttpStatusCode.BadRequest, "invalid_body");
    }

    [Theory]
    [InlineData("""{"batch":[{"type":"\ud800","userId":"u","event":"E"}]}""")]
    [InlineData("""{"batch":[{"action":"\ud800","userId":"u","event":"E"}]}""")]
    public async Task BatchItem_TypeWithLoneSurrogate_IsRejected(string body)
    {
        var response = await _server.PostAsync("/v1/batch", body);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "all_rejected");
        var rejected = Assert.Single(error.GetProperty("rejected").EnumerateArray());
        Assert.Equal("invalid_type", rejected.GetProperty("code").GetString());
    }

    [Fact]
    public async Task BodyWriteKey_WithLoneSurrogate_Returns401()
    {
        var response = await _server.SendAsync(Post("/v1/track", """{"writeKey":"k\udc00","userId":"u","event":"E"}"""));

        await response.ReadErrorAsync(HttpStatusCode.Unauthorized, "invalid_write_key");
    }

    [Fact]
    public async Task GzipHeader_OnPlainBody_Returns400()
    {
        var user = NewId("not-gzip");
        var request = Post("/v1/batch", $$$"""{"batch":[{"type":"track","userId":"{{{user}}}","event":"E"}]}""")
            .WithWriteKey(_server.WriteKey)
            .WithHeader("Content-Encoding", "gzip");

        var response = await _server.SendAsync(request);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "invalid_gzip");
        Assert.Contains("magic bytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task GzipBody_Truncated_Returns400AndStoresNothing()
    {
        var users = Enumerable.Range(0, 3).Select(_ => NewId("truncated-gzip")).ToArray();
        var items = users.Select(u => $$$"""{"type":"track","userId":"{{{u}}}","event":"E","properties":{"n":"{{{u}}}"}}""");
        var compressed = Gzip("{\"batch\":[" + string.Join(",", items) + "]}");
        var request = Post("/v1/batch", compressed[..(compressed.Length / 2)])
            .WithWriteKey(_server.WriteKey)
            .WithHeader("Content-Encoding", "gzip");

        var response = await _server.SendAsync(request);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "invalid_gzip");
        Assert.Contains("gzip", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        foreach (var user in users)
        {
            Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
        }
    }

    [Fact]
    public async Task GzipBomb_IsRejectedInBoundedMemory()
    {
        // Deflate shrinks 300 MB of spaces to about 300 KB. Reading that body whole would allocate 300 MB or more.
        var user = NewId("gzip-bomb");
        var bomb = CompressedSpaces(user, 300 * 1024 * 1024);
        var request = Post("/v1/batch", bomb).WithWriteKey(_server.WriteKey).WithHeader("Content-Encoding", "gzip");
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        var response = await _server.SendAsync(request);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "batch_too_large");
        Assert.Contains("512000", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(allocated < 100L * 1024 * 1024, $"The request allocated {allocated:N0} bytes.");
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task Body_NotUtf8_Returns400AndStoresNothing()
    {
        var user = NewId("latin1");
        var body = Encoding.Latin1.GetBytes($$$"""{"userId":"{{{user}}}","event":"Caf""" + "\u00e9\"}");

        var response = await _server.SendAsync(Post("/v1/track", body).WithWriteKey(_server.WriteKey));

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "invalid_utf8");
        Assert.Contains("UTF-8", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task Properties_Nested200Levels_Returns400NamingLimit64()
    {
        var user = NewId("deep");
        var nested = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E","properties":{{{nested}}}}""");

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "too_deep");
        Assert.Contains("64", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("properties", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task Properties_Nested64Levels_IsAccepted()
    {
        // The message object is level 1 and the object of "properties" level 2, so 63 nested objects reach level 64.
        var user = NewId("deep-ok");
        var nested = string.Concat(Enumerable.Repeat("{\"a\":", 63)) + "1" + new string('}', 63);

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E","properties":{{{nested}}}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    private static byte[] CompressedSpaces(string user, int spaces)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(Encoding.UTF8.GetBytes($$$"""{"batch":[{"type":"track","userId":"{{{user}}}","event":"E","properties":{"pad":" """));
            var block = new byte[1024 * 1024];
            Array.Fill(block, (byte)' ');
            for (var written = 0; written < spaces; written += block.Length)
            {
                gzip.Write(block);
            }

            gzip.Write("\"}}]}"u8);
        }

        return output.ToArray();
    }
}
