namespace Sendora.Grains.Audiences.Language;

/// <summary>The operators of trait, property, computed trait and group trait conditions.</summary>
internal enum ValueOperator
{
    Equals,
    NotEquals,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    Exists,
    NotExists,
    LessThan,
    AtMost,
    GreaterThan,
    AtLeast,
    Between,
    OneOf,
    Before,
    After,
    WithinLast,
    WithinNext,
}
