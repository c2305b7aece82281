using System.Text;
using Sendora.Grains.Sync.EventTables;

namespace Sendora.Tests.Sync;

public sealed class EventTableNamesTests
{
    [Theory]
    [InlineData("Order", "order")]
    [InlineData("Order Completed", "order_completed")]
    [InlineData("orderTotal", "order_total")]
    [InlineData("HTTPStatus", "http_status")]
    [InlineData("item2Count", "item2_count")]
    [InlineData("  Checkout -- Step 2! ", "checkout_step_2")]
    [InlineData("__v", "v")]
    [InlineData("2fa enabled", "_2fa_enabled")]
    [InlineData("Größe", "größe")]
    [InlineData("$$$", "")]
    public void SnakeCase_Name_IsConverted(string name, string expected)
    {
        Assert.Equal(expected, EventTableNames.SnakeCase(name));
    }

    [Fact]
    public void TableOf_EventName_HasTrackPrefix()
    {
        Assert.Equal("track_order", EventTableNames.TableOf("Order"));
        Assert.Equal("track_order_completed", EventTableNames.TableOf("Order Completed"));
        Assert.Equal(EventTableNames.TableOf("order_completed"), EventTableNames.TableOf("Order Completed"));
    }

    [Theory]
    [InlineData("events")]
    [InlineData("profiles")]
    [InlineData("discards")]
    [InlineData("event_tables")]
    [InlineData("sync_checkpoints")]
    public void TableOf_SyncTableName_DoesNotCollide(string name)
    {
        Assert.NotEqual(name, EventTableNames.TableOf(name));
        Assert.StartsWith(EventTableNames.TablePrefix, EventTableNames.TableOf(name), StringComparison.Ordinal);
    }

    [Fact]
    public void TableOf_NameWithoutLetters_GetsStableHash()
    {
        var table = EventTableNames.TableOf("$$$");

        Assert.Matches("^track__[0-9a-f]{8}$", table);
        Assert.Equal(table, EventTableNames.TableOf("$$$"));
        Assert.NotEqual(table, EventTableNames.TableOf("!!!"));
    }

    [Fact]
    public void TableOf_LongName_IsCutWithHash()
    {
        var longName = "Checkout " + new string('x', 100);
        var similar = "Checkout " + new string('x', 99) + "y";

        var table = EventTableNames.TableOf(longName);

        Assert.Equal(EventTableNames.MaxIdentifierBytes, Encoding.UTF8.GetByteCount(table));
        Assert.Matches("_[0-9a-f]{8}$", table);
        Assert.StartsWith("track_checkout_xxx", table, StringComparison.Ordinal);
        Assert.Equal(table, EventTableNames.TableOf(longName));
        Assert.NotEqual(table, EventTableNames.TableOf(similar));
    }

    [Fact]
    public void ColumnOf_MultiByteName_CutsAtCharacter()
    {
        var column = EventTableNames.ColumnOf([new string('ü', 40)]);

        Assert.True(Encoding.UTF8.GetByteCount(column) <= EventTableNames.MaxIdentifierBytes, column);
        Assert.DoesNotContain('\uFFFD', column);
        Assert.Matches("^ü+_[0-9a-f]{8}$", column);
    }

    [Fact]
    public void ColumnOf_NestedPath_JoinsWithUnderscore()
    {
        Assert.Equal("cart_item_count", EventTableNames.ColumnOf(["cart", "itemCount"]));
        Assert.Equal("address_zip", EventTableNames.ColumnOf(["Address", "Zip"]));
    }

    [Theory]
    [InlineData("message_id", "property_message_id")]
    [InlineData("profileId", "property_profile_id")]
    [InlineData("timestamp", "property_timestamp")]
    public void ColumnOf_FixedColumnName_GetsPrefix(string property, string expected)
    {
        Assert.Equal(expected, EventTableNames.ColumnOf([property]));
    }

    [Fact]
    public void Quote_DoubleQuote_IsDoubled()
    {
        Assert.Equal("\"a\"\"b\"", EventTableNames.Quote("a\"b"));
    }
}
