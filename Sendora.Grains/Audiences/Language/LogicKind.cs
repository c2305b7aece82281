namespace Sendora.Grains.Audiences.Language;

internal enum LogicKind
{
    All,
    Any,
    Not,
}
