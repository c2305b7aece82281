namespace Sendora.Grains.Channels;

/// <summary>A delivery template that failed to parse or render; the message names the template and the error.</summary>
[GenerateSerializer, Alias("sendora.TemplateException")]
public sealed class TemplateException(string message, Exception? inner = null) : Exception(message, inner);
