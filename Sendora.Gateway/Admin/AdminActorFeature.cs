namespace Sendora.Gateway.Admin;

/// <summary>The actor name of the admin token that <see cref="AdminAuthorization"/> accepted for a request.</summary>
public sealed record AdminActorFeature(string Name);
