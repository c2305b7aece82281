namespace Sendora.Grains.Admin;

/// <summary>Raised when an admin change collides with what exists, such as a workspace id already taken.</summary>
[GenerateSerializer, Alias("sendora.AdminConflictException")]
public sealed class AdminConflictException(string message) : Exception(message);
