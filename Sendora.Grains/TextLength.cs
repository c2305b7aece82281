namespace Sendora.Grains;

/// <summary>
/// Text lengths as the admin API's limits count them: in Unicode scalar values (code points), so an emoji such as 😀
/// counts as one character, where <see cref="string.Length"/> counts two UTF-16 code units. A character built from
/// several code points, such as a flag or 👨‍👩‍👧, counts as each of them. That keeps a limit a bound on storage, at
/// most two code units a character, which user-perceived characters (grapheme clusters) would not be.
/// </summary>
public static class TextLength
{
    /// <summary>Counts the Unicode scalar values of <paramref name="text"/>. An unpaired surrogate counts as one.</summary>
    public static int Count(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    /// <summary>Returns whether <paramref name="text"/> has more than <paramref name="max"/> characters.</summary>
    public static bool IsOver(string text, int max) => text.Length > max && Count(text) > max;
}
