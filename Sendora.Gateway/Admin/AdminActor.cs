using System.Text.Json;
using Sendora.Grains.Admin.Audit;

namespace Sendora.Gateway.Admin;

/// <summary>
/// The admin behind a request, as a handler parameter: the actor name that <see cref="AdminAuthorization"/> put
/// on the request, with the request's clock, to stamp audit entries.
/// </summary>
/// <remarks>
/// Parameters are bound before endpoint filters run, so the name is read when it is used, by which time the
/// filter has accepted the token.
/// </remarks>
public sealed class AdminActor(HttpContext context, TimeProvider clock)
{
    /// <summary>
    /// The actor name, such as <c>admin</c>. Throws when the request did not pass <see cref="AdminAuthorization"/>.
    /// </summary>
    public string Name => context.Features.Get<AdminActorFeature>()?.Name
        ?? throw new InvalidOperationException(
            "The request has no admin actor: map the route behind AdminAuthorization.");

    public static ValueTask<AdminActor?> BindAsync(HttpContext context)
    {
        var clock = context.RequestServices.GetRequiredService<TimeProvider>();
        return ValueTask.FromResult<AdminActor?>(new AdminActor(context, clock));
    }

    /// <summary>Returns a stamp with a new entry id, this actor and the current time.</summary>
    public AuditStamp Stamp() => AuditStamp.New(Name, clock.GetUtcNow());

    /// <summary>
    /// Returns a new audit entry of this actor for <paramref name="action"/> on <paramref name="target"/>, with
    /// <paramref name="before"/> and <paramref name="after"/> serialized as JSON and each cut to
    /// <see cref="AuditValues.MaxBytes"/>. A null value stays null: the object did not exist on that side.
    /// </summary>
    public AuditEntry Change(string action, string target, object? before, object? after) =>
        Stamp().ToEntry(action, target, Serialize(before), Serialize(after));

    private static string? Serialize(object? value) =>
        value is null ? null : JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
}
