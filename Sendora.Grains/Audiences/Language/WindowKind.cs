namespace Sendora.Grains.Audiences.Language;

internal enum WindowKind
{
    /// <summary>Events younger than a duration: <c>{"last": {"days": 7}}</c>.</summary>
    Last,

    /// <summary>Events at least N and less than M days old: <c>{"between_days_ago": [N, M]}</c>.</summary>
    BetweenDaysAgo,

    /// <summary>Events at or after a fixed instant: <c>{"since": "2026-01-01T00:00:00Z"}</c>.</summary>
    Since,
}
