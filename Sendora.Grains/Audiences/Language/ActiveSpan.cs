namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// The instants at which one event is inside a window, from <see cref="Start"/> inclusive to
/// <see cref="End"/> exclusive. <see cref="Instants.Always"/> and <see cref="Instants.Never"/> stand for
/// no bound.
/// </summary>
internal readonly record struct ActiveSpan(DateTimeOffset Start, DateTimeOffset End)
{
    public static readonly ActiveSpan Forever = new(Instants.Always, Instants.Never);

    public bool Contains(DateTimeOffset instant) => Start <= instant && instant < End;
}
