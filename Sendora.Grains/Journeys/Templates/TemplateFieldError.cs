namespace Sendora.Grains.Journeys.Templates;

/// <summary>
/// One invalid template field. <see cref="Expected"/> completes the sentence "'{Field}' must be …", as in
/// "'subject' must be at most 1,000 characters, not 1,204".
/// </summary>
public sealed record TemplateFieldError(string Field, string Expected)
{
    public string Message => $"'{Field}' must be {Expected}.";
}
