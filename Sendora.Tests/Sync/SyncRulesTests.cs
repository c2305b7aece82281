using Sendora.Grains.Sync;

namespace Sendora.Tests.Sync;

public sealed class SyncRulesTests
{
    [Theory]
    [InlineData("*/15 * * * *")]
    [InlineData("0 3 * * 1-5")]
    [InlineData("30 2 1 * *")]
    public void Schedule_FiveFieldCron_Parses(string schedule)
    {
        Assert.NotNull(SyncRules.ParseSchedule(schedule, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("* * *")]
    [InlineData("61 * * * *")]
    [InlineData("* 25 * * *")]
    [InlineData("0 0 * * * *")]
    [InlineData("every hour")]
    public void Schedule_Invalid_ReturnsReason(string schedule)
    {
        Assert.Null(SyncRules.ParseSchedule(schedule, out var error));
        Assert.Contains("five fields", error);
    }

    [Theory]
    [InlineData("0 0 30 2 *")]
    [InlineData("0 0 31 2,4,6,9,11 *")]
    [InlineData("0 0 31 2 1")]
    public void Schedule_NoOccurrence_ReturnsReason(string schedule)
    {
        Assert.Null(SyncRules.ParseSchedule(schedule, out var error));
        Assert.Contains($"'{schedule}' matches none", error);
    }

    [Theory]
    [InlineData("0 0 29 2 *")]
    [InlineData("0 0 29 2 1")]
    [InlineData("0 0 31 1-3 *")]
    public void Schedule_RareOccurrence_Parses(string schedule)
    {
        Assert.NotNull(SyncRules.ParseSchedule(schedule, out var error));
        Assert.Null(error);
    }

    [Fact]
    public void MaskPassword_HidesPasswordOnly()
    {
        var masked = SyncRules.MaskPassword("Host=db.internal;Port=6432;Username=sync;Password=s3cret;Database=app");

        Assert.DoesNotContain("s3cret", masked);
        Assert.Contains(SyncRules.PasswordMask, masked);
        Assert.Contains("db.internal", masked);
        Assert.Contains("6432", masked);
        Assert.Contains("sync", masked);
    }

    [Fact]
    public void MaskPassword_NoPassword_KeepsString()
    {
        Assert.DoesNotContain(SyncRules.PasswordMask, SyncRules.MaskPassword("Host=127.0.0.1;Username=sendora"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Username=sendora")]
    [InlineData("Host=127.0.0.1;Colour=blue")]
    [InlineData("Host=127.0.0.1;Port=notaport")]
    public void ConnectionString_Invalid_ReturnsReason(string connectionString)
    {
        Assert.NotNull(SyncRules.CheckConnectionString(connectionString));
    }

    [Fact]
    public void ConnectionString_Valid_ReturnsNull()
    {
        Assert.Null(SyncRules.CheckConnectionString("Host=127.0.0.1;Port=5432;Username=sendora;Password=x;Database=app"));
    }

    [Theory]
    [InlineData("sendora", true)]
    [InlineData("_sync_1", true)]
    [InlineData("Sendora", false)]
    [InlineData("1sync", false)]
    [InlineData("sync-a", false)]
    [InlineData("public\n", false)]
    [InlineData("pg_catalog", false)]
    [InlineData("pg_toast", false)]
    [InlineData("pg_sendora", false)]
    [InlineData("information_schema", false)]
    [InlineData("pgsync", true)]
    [InlineData("information_schema_copy", true)]
    public void Schema_Identifier_IsChecked(string schema, bool valid)
    {
        Assert.Equal(valid, SyncRules.IsValidSchema(schema));
    }
}
