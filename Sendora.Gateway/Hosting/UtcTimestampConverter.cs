using System.Text.Json;
using System.Text.Json.Serialization;
using Sendora.Gateway.Tracking;

namespace Sendora.Gateway.Hosting;

/// <summary>Writes every timestamp of the HTTP APIs as ISO-8601 UTC with milliseconds, as the tracking API does.</summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(TimestampParser.Format(value));
}
