namespace Sendora.Grains.Audiences.ComputedTraits;

internal enum ComputedTraitKind
{
    Count,
    Sum,
    Average,
    Min,
    Max,
    MostFrequent,
    First,
    Last,
    UniqueList,
    UniqueCount,
}
