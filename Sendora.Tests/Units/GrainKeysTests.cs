using Sendora.Grains;

namespace Sendora.Tests.Units;

public sealed class GrainKeysTests
{
    public static TheoryData<string> Values => new()
    {
        "plain-id_42",
        "a/b#c?d%e f",
        "100%",
        "a%2Fb",
        "%25",
        "back\\slash",
        "tab\there",
        "line\nbreak",
        "\u0001\u001f\u007f",
        "next\u0085line",
        "c1 \u0080 \u009f",
        "ümlaut é 中文",
        "emoji 😀",
        "x@y.com",
        "user_id:nested",
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void DecodeValue_OfEncodedValue_ReturnsOriginal(string value)
    {
        var encoded = GrainKeys.EncodeValue(value);

        Assert.Equal(value, GrainKeys.DecodeValue(encoded));
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void EncodeValue_AnyValue_LeavesNoTableKeyCharacters(string value)
    {
        var encoded = GrainKeys.EncodeValue(value);

        Assert.DoesNotContain(encoded, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
    }

    [Theory]
    [InlineData("a/b", "a_b")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("a/b#c?d%e f", "a_b_c_d_e f")]
    [InlineData("%", "%25")]
    public void EncodeValue_DistinctValues_StayDistinct(string left, string right)
    {
        Assert.NotEqual(GrainKeys.EncodeValue(left), GrainKeys.EncodeValue(right));
    }

    [Fact]
    public void EncodeValue_SafeValue_IsUnchanged()
    {
        Assert.Equal("user-42 ü", GrainKeys.EncodeValue("user-42 ü"));
    }

    [Fact]
    public void ForExternalId_UnsafeValue_EncodesValue()
    {
        Assert.Equal("ws/user_id:a%2Fb", GrainKeys.ForExternalId("ws", "user_id", "a/b"));
    }

    [Fact]
    public void Split_SlashInId_SplitsAtFirst()
    {
        Assert.Equal(("ws", "user_id:a/b"), GrainKeys.Split("ws/user_id:a/b"));
    }
}
