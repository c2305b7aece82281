using Sendora.Grains.Identity;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Tracking;

namespace Sendora.Tests.Units;

public sealed class MessageNormalizerTests
{
    private const string SourceId = "src_test";

    private static readonly DateTimeOffset Now = new(2026, 12, 4, 10, 15, 0, 123, TimeSpan.Zero);

    private readonly MessageNormalizer _normalizer = new(Options.Create(new IngestionOptions()));

    [Fact]
    public void Normalize_SegmentSkewExample_CorrectsTimestamp()
    {
        var result = Normalize(
            """
            {"userId":"u1","event":"Clicked","originalTimestamp":"2015-12-12T19:11:01.152Z",
             "sentAt":"2015-12-12T19:11:01.169Z"}
            """,
            receivedAt: At("2015-12-12T19:11:01.266Z"));

        Assert.Equal(At("2015-12-12T19:11:01.249Z"), result.Message!.Timestamp);
        Assert.Equal("2015-12-12T19:11:01.249Z", Envelope(result).GetProperty("timestamp").GetString());
    }

    [Fact]
    public void Normalize_RudderStackSkewExample_ClampsToReceipt()
    {
        // The formula gives 2001-01-02T02:24:30.000Z, which RudderStack keeps; a time after the
        // server received the message cannot be right, so Sendora keeps receivedAt and a warning.
        var result = Normalize(
            """
            {"userId":"u1","event":"Clicked","originalTimestamp":"2000-01-02T01:23:45.000Z",
             "sentAt":"2000-01-02T01:23:00.000Z"}
            """,
            receivedAt: At("2001-01-02T02:23:45.000Z"));

        Assert.Equal(At("2001-01-02T02:23:45.000Z"), result.Message!.Timestamp);
        Assert.Equal("2001-01-02T02:23:45.000Z", Envelope(result).GetProperty("timestamp").GetString());
    }

    [Fact]
    public void Normalize_TimestampAfterReceipt_IsFlaggedInEnvelope()
    {
        var result = Normalize(
            """
            {"userId":"u1","event":"Clicked","originalTimestamp":"2000-01-02T01:23:45.000Z",
             "sentAt":"2000-01-02T01:23:00.000Z"}
            """,
            receivedAt: At("2001-01-02T02:23:45.000Z"));

        var warning = Assert.Single(Envelope(result).GetProperty("_sendora").GetProperty("warnings").EnumerateArray());
        Assert.Equal("timestamp_in_future", warning.GetProperty("code").GetString());
    }

    [Fact]
    public void Normalize_SkewCorrection_KeepsOriginalTimestamp()
    {
        var result = Normalize(
            """
            {"userId":"u1","event":"Clicked","originalTimestamp":"2015-12-12T19:11:01.152Z",
             "sentAt":"2015-12-12T19:11:01.169Z"}
            """,
            receivedAt: At("2015-12-12T19:11:01.266Z"));

        var envelope = Envelope(result);
        Assert.Equal("2015-12-12T19:11:01.152Z", envelope.GetProperty("originalTimestamp").GetString());
        Assert.Equal("2015-12-12T19:11:01.169Z", envelope.GetProperty("sentAt").GetString());
        Assert.Equal("2015-12-12T19:11:01.266Z", envelope.GetProperty("receivedAt").GetString());
    }

    [Fact]
    public void Normalize_NoSentAt_KeepsTimestamp()
    {
        var result = Normalize("""{"userId":"u1","event":"Clicked","timestamp":"2020-01-01T00:00:00.500Z"}""");

        var envelope = Envelope(result);
        Assert.Equal("2020-01-01T00:00:00.500Z", envelope.GetProperty("timestamp").GetString());
        Assert.Equal("2020-01-01T00:00:00.500Z", envelope.GetProperty("originalTimestamp").GetString());
    }

    [Fact]
    public void Normalize_BothTimestamps_OriginalTimestampWins()
    {
        var result = Normalize(
            """
            {"userId":"u1","event":"Clicked","timestamp":"2020-01-01T00:00:00.000Z",
             "originalTimestamp":"2019-06-01T00:00:00.000Z"}
            """);

        Assert.Equal("2019-06-01T00:00:00.000Z", Envelope(result).GetProperty("originalTimestamp").GetString());
    }

    [Fact]
    public void Normalize_NoTimestamp_UsesReceivedAt()
    {
        var result = Normalize("""{"userId":"u1","event":"Clicked"}""");

        Assert.Equal(Now, result.Message!.Timestamp);
    }

    [Fact]
    public void Normalize_BatchDefaults_FillMissingContextAndIntegrations()
    {
        using var batch = JsonDocument.Parse(
            """{"context":{"ip":"10.0.0.1"},"integrations":{"All":false},"sentAt":"2015-12-12T19:11:01.169Z"}""");

        var result = Normalize(
            """{"userId":"u1","event":"Clicked"}""", defaults: BatchDefaults.From(batch.RootElement));

        var envelope = Envelope(result);
        Assert.Equal("10.0.0.1", envelope.GetProperty("context").GetProperty("ip").GetString());
        Assert.False(envelope.GetProperty("integrations").GetProperty("All").GetBoolean());
        Assert.Equal("2015-12-12T19:11:01.169Z", envelope.GetProperty("sentAt").GetString());
    }

    [Fact]
    public void Normalize_OwnFields_WinOverBatch()
    {
        using var batch = JsonDocument.Parse(
            """{"context":{"ip":"10.0.0.1"},"integrations":{"All":false},"sentAt":"2015-12-12T19:11:01.169Z"}""");

        var result = Normalize(
            """
            {"userId":"u1","event":"Clicked","context":{"ip":"10.0.0.2"},"integrations":{"All":true},
             "sentAt":"2015-12-12T19:11:02.000Z"}
            """,
            defaults: BatchDefaults.From(batch.RootElement));

        var envelope = Envelope(result);
        Assert.Equal("10.0.0.2", envelope.GetProperty("context").GetProperty("ip").GetString());
        Assert.True(envelope.GetProperty("integrations").GetProperty("All").GetBoolean());
        Assert.Equal("2015-12-12T19:11:02.000Z", envelope.GetProperty("sentAt").GetString());
    }

    [Fact]
    public void Normalize_BatchSentAt_CorrectsItemTimestamp()
    {
        using var batch = JsonDocument.Parse("""{"sentAt":"2015-12-12T19:11:01.169Z"}""");

        var result = Normalize(
            """{"userId":"u1","event":"Clicked","originalTimestamp":"2015-12-12T19:11:01.152Z"}""",
            defaults: BatchDefaults.From(batch.RootElement),
            receivedAt: At("2015-12-12T19:11:01.266Z"));

        Assert.Equal(At("2015-12-12T19:11:01.249Z"), result.Message!.Timestamp);
    }

    [Fact]
    public void Normalize_NumericIds_BecomeStrings()
    {
        var result = Normalize("""{"userId":42,"anonymousId":7,"messageId":123,"event":"Clicked"}""");

        var envelope = Envelope(result);
        Assert.Equal("42", envelope.GetProperty("userId").GetString());
        Assert.Equal("7", envelope.GetProperty("anonymousId").GetString());
        Assert.Equal("123", envelope.GetProperty("messageId").GetString());
        Assert.Equal("42", result.Message!.UserId);
        Assert.Contains(new ExternalIdKey("user_id", "42"), result.CandidateIds!);
    }

    [Fact]
    public void Normalize_NumericGroupId_BecomesString()
    {
        var result = Normalize("""{"userId":"u1","groupId":99}""", pathType: "group");

        Assert.Equal("99", Envelope(result).GetProperty("groupId").GetString());
    }

    [Fact]
    public void Normalize_BodyWriteKey_IsDroppedFromEnvelope()
    {
        var result = Normalize("""{"writeKey":"wk_secret","userId":"u1","event":"Clicked"}""");

        Assert.False(Envelope(result).TryGetProperty("writeKey", out _));
        Assert.DoesNotContain("wk_secret", result.Message!.Json, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_UnknownTopLevelField_PassesThrough()
    {
        var result = Normalize("""{"userId":"u1","event":"Clicked","channel":"server"}""");

        Assert.Equal("server", Envelope(result).GetProperty("channel").GetString());
    }

    [Fact]
    public void Normalize_NulCharacters_AreRemoved()
    {
        var result = Normalize(
            """{"userId":"a\u0000b","event":"Sig\u0000ned","properties":{"k\u0000ey":"v\u0000alue"}}""");

        var envelope = Envelope(result);
        Assert.Equal("ab", result.Message!.UserId);
        Assert.Equal("Signed", envelope.GetProperty("event").GetString());
        Assert.Equal("value", envelope.GetProperty("properties").GetProperty("key").GetString());
        Assert.DoesNotContain("\\u0000", result.Message.Json, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_UserIdOfOnlyNul_IsMissing()
    {
        var result = Normalize("""{"userId":"\u0000","event":"Clicked"}""");

        Assert.Equal("missing_identity", result.Error?.Code);
    }

    [Fact]
    public void Normalize_NestingAtLimit_IsAccepted()
    {
        var result = Normalize(Nested(new IngestionOptions().MaxNestingDepth));

        Assert.Null(result.Error);
    }

    [Fact]
    public void Normalize_NestingPastLimit_IsRejected()
    {
        var limit = new IngestionOptions().MaxNestingDepth;

        var result = Normalize(Nested(limit + 1));

        Assert.Equal("too_deep", result.Error?.Code);
        Assert.Contains("\"properties\"", result.Error!.Message, StringComparison.Ordinal);
        Assert.Contains($"limit is {limit} levels", result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_BothIds_AreCandidateIdsInOrder()
    {
        var result = Normalize("""{"userId":"u/1","anonymousId":"a1","event":"Clicked"}""");

        Assert.Equal([new ExternalIdKey("user_id", "u/1"), new ExternalIdKey("anonymous_id", "a1")], result.CandidateIds);
        Assert.Equal("a1", result.Message!.AnonymousId);
    }

    [Fact]
    public void Normalize_PathType_WinsOverBodyType()
    {
        var result = Normalize("""{"type":"identify","userId":"u1","event":"Clicked"}""", pathType: "track");

        Assert.Equal("track", result.Message!.Type);
    }

    [Fact]
    public void Normalize_MessageIdOfEmoji_CountsCodeUnits()
    {
        var accepted = Normalize($$"""{"userId":"u1","event":"Clicked","messageId":"{{string.Concat(Enumerable.Repeat("😀", 49))}}"}""");
        var rejected = Normalize($$"""{"userId":"u1","event":"Clicked","messageId":"{{string.Concat(Enumerable.Repeat("😀", 50))}}"}""");

        Assert.Null(accepted.Error);
        Assert.Equal("message_id_too_long", rejected.Error?.Code);
        Assert.Contains("100 UTF-16 code units (50 characters", rejected.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("the limit is 99 UTF-16 code units", rejected.Error.Message, StringComparison.Ordinal);
    }

    private NormalizeResult Normalize(
        string json, string? pathType = "track", BatchDefaults defaults = default, DateTimeOffset? receivedAt = null)
    {
        // The tracking handler parses bodies up to 256 levels deep, so depth limits are the normalizer's to enforce.
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        var size = Encoding.UTF8.GetByteCount(json);
        return _normalizer.Normalize(document.RootElement, size, pathType, defaults, SourceId, receivedAt ?? Now);
    }

    private static JsonElement Envelope(NormalizeResult result)
    {
        Assert.True(result.Error is null, $"Rejected: {result.Error?.Code} {result.Error?.Message}");
        using var document = JsonDocument.Parse(result.Message!.Json);
        return document.RootElement.Clone();
    }

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    // Builds a track call that nests `depth` levels deep, counting the message object itself as level 1.
    private static string Nested(int depth)
    {
        var builder = new StringBuilder("""{"userId":"u1","event":"Deep","properties":""");
        for (var level = 2; level <= depth; level++)
        {
            builder.Append(level == depth ? "{}" : """{"a":""");
        }

        builder.Append('}', depth - 2).Append('}');
        return builder.ToString();
    }
}
