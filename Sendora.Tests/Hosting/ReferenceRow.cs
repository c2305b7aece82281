namespace Sendora.Tests.Hosting;

/// <summary>One row of a setting table in docs/configuration.md, with its cells as written.</summary>
internal sealed record ReferenceRow(string Key, string Type, string Default, int Line);
