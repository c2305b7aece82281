using System.Text;
using Sendora.Gateway.Admin;
using Sendora.Grains.Admin.Audit;

namespace Sendora.Tests.Admin;

/// <summary>The rules of audit entries that need no server: value bounds, target prefixes and page cursors.</summary>
public sealed class AuditValueTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(AuditValues.MaxBytes)]
    public void Bound_ValueWithinLimit_IsUnchanged(int length)
    {
        var value = new string('x', length);

        Assert.Same(value, AuditValues.Bound(value));
    }

    [Fact]
    public void Bound_Null_StaysNull() => Assert.Null(AuditValues.Bound(null));

    [Fact]
    public void Bound_LongValue_IsCutWithMarker()
    {
        var value = new string('x', AuditValues.MaxBytes + 1);

        var bound = AuditValues.Bound(value)!;

        Assert.Equal(AuditValues.MaxBytes, Encoding.UTF8.GetByteCount(bound));
        Assert.EndsWith($"…[truncated from {AuditValues.MaxBytes + 1} bytes]", bound, StringComparison.Ordinal);
        Assert.StartsWith(new string('x', 60_000), bound, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("é")]
    [InlineData("€")]
    [InlineData("😀")]
    public void Bound_MultiByteCharacters_CutsOnWholeCharacter(string character)
    {
        var value = string.Concat(Enumerable.Repeat(character, AuditValues.MaxBytes));

        var bound = AuditValues.Bound(value)!;
        var prefix = bound[..bound.IndexOf(AuditValues.TruncationMarker, StringComparison.Ordinal)];

        Assert.True(Encoding.UTF8.GetByteCount(bound) <= AuditValues.MaxBytes);
        Assert.Equal(0, prefix.Length % character.Length);
        Assert.Equal(prefix, string.Concat(Enumerable.Repeat(character, prefix.Length / character.Length)));
    }

    [Fact]
    public void ToEntry_BoundsBothValues()
    {
        var large = new string('y', AuditValues.MaxBytes * 2);

        var entry = AuditStamp.New("alice", At).ToEntry("audience.update", "workspaces/w1/audiences/vip", large, large);

        Assert.Equal(AuditValues.MaxBytes, Encoding.UTF8.GetByteCount(entry.Before!));
        Assert.Equal(AuditValues.MaxBytes, Encoding.UTF8.GetByteCount(entry.After!));
    }

    [Fact]
    public void NewStamp_SameMillisecond_SortsInCreationOrder()
    {
        var stamps = Enumerable.Range(0, 100).Select(_ => AuditStamp.New("alice", At.AddTicks(1234))).ToList();

        Assert.Equal(stamps.Select(s => s.EntryId), stamps.Select(s => s.EntryId).Order(StringComparer.Ordinal));
        Assert.Equal(100, stamps.Select(s => s.EntryId).Distinct().Count());
        Assert.All(stamps, s => Assert.Equal(At, s.At));
        Assert.All(stamps, s => Assert.Matches("^[0-9a-f]{32}$", s.EntryId));
    }

    [Theory]
    [InlineData("workspaces/w1/audiences/vip", "workspaces/w1/audiences/vip", true)]
    [InlineData("workspaces/w1/audiences/vip", "workspaces/w1/audiences/vip/members", true)]
    [InlineData("workspaces/w1/audiences/vip", "workspaces/w1/audiences/vip2", false)]
    [InlineData("workspaces/w1/audiences/", "workspaces/w1/audiences/vip", true)]
    [InlineData("workspaces/w1", "workspaces/w10/audiences/vip", false)]
    [InlineData("workspaces/w1", "workspaces/w1/identity-rules", true)]
    public void TargetPrefix_MatchesWholeSegments(string prefix, string target, bool matches)
    {
        var entry = AuditStamp.New("alice", At).ToEntry("audience.update", target, null, null);

        Assert.Equal(matches, new AuditQuery { TargetPrefix = prefix }.Matches(entry));
    }

    [Fact]
    public void Cursor_RoundTrips()
    {
        var position = new AuditPosition(At.AddMilliseconds(123), "0123456789abcdef0123456789abcdef");

        Assert.Equal(position, AuditCursors.Decode(AuditCursors.Encode(position)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64url!")]
    [InlineData("MTIz")]
    [InlineData("OjEyMw")]
    [InlineData("MTIzOg")]
    [InlineData("LTE6YWJj")]
    public void Cursor_Malformed_DecodesToNull(string token) => Assert.Null(AuditCursors.Decode(token));
}
