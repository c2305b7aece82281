using System.Text.Json;
using Sendora.Grains.Sync.EventTables;

namespace Sendora.Tests.Sync;

public sealed class EventValueCoercionTests
{
    [Theory]
    [InlineData("true", EventColumnType.Boolean, "true")]
    [InlineData("false", EventColumnType.Boolean, "false")]
    [InlineData("10", EventColumnType.BigInt, "10")]
    [InlineData("-9223372036854775808", EventColumnType.BigInt, "-9223372036854775808")]
    [InlineData("9223372036854775808", EventColumnType.Numeric, "9223372036854775808")]
    [InlineData("10.5", EventColumnType.Numeric, "10.5")]
    [InlineData("10.0", EventColumnType.Numeric, "10.0")]
    [InlineData("1e3", EventColumnType.Numeric, "1e3")]
    [InlineData("\"12\"", EventColumnType.Text, "12")]
    [InlineData("\"N/A\"", EventColumnType.Text, "N/A")]
    [InlineData("[1,\"a\"]", EventColumnType.Jsonb, "[1,\"a\"]")]
    public void Infer_Value_ChoosesColumnType(string json, EventColumnType type, string text)
    {
        var value = EventValueCoercion.Infer(Parse(json));

        Assert.NotNull(value);
        Assert.False(value.Value.IsDiscarded);
        Assert.Equal(type, value.Value.Type);
        Assert.Equal(text, value.Value.Text);
    }

    [Fact]
    public void Infer_Null_CreatesNoColumn()
    {
        Assert.Null(EventValueCoercion.Infer(Parse("null")));
    }

    [Theory]
    [InlineData("1e1001")]
    [InlineData("1e-1001")]
    [InlineData("1e99999999999999999999")]
    public void Infer_NumberBeyondDigitLimit_IsDiscarded(string json)
    {
        var value = EventValueCoercion.Infer(Parse(json));

        Assert.NotNull(value);
        Assert.Equal(DiscardReasons.NumberOutOfRange, value.Value.DiscardReason);
    }

    [Theory]
    [InlineData("10", EventColumnType.BigInt, EventColumnType.BigInt, "10")]
    [InlineData("10.5", EventColumnType.BigInt, EventColumnType.Numeric, "10.5")]
    [InlineData("\"12\"", EventColumnType.BigInt, EventColumnType.BigInt, "12")]
    [InlineData("\"12.5\"", EventColumnType.BigInt, EventColumnType.Numeric, "12.5")]
    [InlineData("\"-3e2\"", EventColumnType.Numeric, EventColumnType.Numeric, "-3e2")]
    [InlineData("7", EventColumnType.Numeric, EventColumnType.Numeric, "7")]
    [InlineData("12", EventColumnType.Text, EventColumnType.Text, "12")]
    [InlineData("10.5", EventColumnType.Text, EventColumnType.Text, "10.5")]
    [InlineData("true", EventColumnType.Text, EventColumnType.Text, "true")]
    [InlineData("[1,2]", EventColumnType.Text, EventColumnType.Text, "[1,2]")]
    [InlineData("\"true\"", EventColumnType.Boolean, EventColumnType.Boolean, "true")]
    [InlineData("\"FALSE\"", EventColumnType.Boolean, EventColumnType.Boolean, "false")]
    [InlineData("\"x\"", EventColumnType.Jsonb, EventColumnType.Jsonb, "\"x\"")]
    [InlineData("5", EventColumnType.Jsonb, EventColumnType.Jsonb, "5")]
    public void Coerce_Value_FitsColumn(string json, EventColumnType column, EventColumnType type, string text)
    {
        var value = EventValueCoercion.Coerce(Parse(json), column);

        Assert.NotNull(value);
        Assert.Null(value.Value.DiscardReason);
        Assert.Equal(type, value.Value.Type);
        Assert.Equal(text, value.Value.Text);
    }

    [Theory]
    [InlineData("\"N/A\"", EventColumnType.BigInt)]
    [InlineData("\"N/A\"", EventColumnType.Numeric)]
    [InlineData("\" 12\"", EventColumnType.BigInt)]
    [InlineData("\"012\"", EventColumnType.BigInt)]
    [InlineData("\"+1\"", EventColumnType.Numeric)]
    [InlineData("\"NaN\"", EventColumnType.Numeric)]
    [InlineData("\"\"", EventColumnType.Numeric)]
    [InlineData("true", EventColumnType.BigInt)]
    [InlineData("[1]", EventColumnType.Numeric)]
    [InlineData("1", EventColumnType.Boolean)]
    [InlineData("\"yes\"", EventColumnType.Boolean)]
    [InlineData("[true]", EventColumnType.Boolean)]
    public void Coerce_Mismatch_IsDiscarded(string json, EventColumnType column)
    {
        var value = EventValueCoercion.Coerce(Parse(json), column);

        Assert.NotNull(value);
        Assert.Equal(DiscardReasons.TypeMismatch, value.Value.DiscardReason);
        Assert.Null(value.Value.Text);
    }

    [Fact]
    public void Coerce_Null_StoresNothing()
    {
        Assert.Null(EventValueCoercion.Coerce(Parse("null"), EventColumnType.BigInt));
    }

    [Fact]
    public void Coerce_HugeNumericString_IsOutOfRange()
    {
        var value = EventValueCoercion.Coerce(Parse("\"1e5000\""), EventColumnType.Numeric);

        Assert.NotNull(value);
        Assert.Equal(DiscardReasons.NumberOutOfRange, value.Value.DiscardReason);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("-0.5", true)]
    [InlineData("1E+2", true)]
    [InlineData("01", false)]
    [InlineData("1.", false)]
    [InlineData(".5", false)]
    [InlineData("1e", false)]
    [InlineData("-", false)]
    [InlineData("12 ", false)]
    [InlineData("Infinity", false)]
    public void IsJsonNumber_Text_FollowsJsonGrammar(string text, bool expected)
    {
        Assert.Equal(expected, EventValueCoercion.IsJsonNumber(text));
    }

    [Fact]
    public void DiscardedTextOf_String_IsUnquoted()
    {
        Assert.Equal("N/A", EventValueCoercion.DiscardedTextOf(Parse("\"N/A\"")));
        Assert.Equal("{\"a\":1}", EventValueCoercion.DiscardedTextOf(Parse("{\"a\":1}")));
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
