using System.Security;

namespace Sendora.Grains;

/// <summary>Looks up the IANA time zones that journeys, quiet hours and profiles name.</summary>
internal static class TimeZones
{
    /// <summary>Returns the zone with the IANA id <paramref name="id"/>, or null for a missing or unknown id.</summary>
    public static TimeZoneInfo? Find(string? id)
    {
        // "localtime" is the machine's own zone in the zoneinfo folder, so it could differ from silo to silo.
        if (string.IsNullOrWhiteSpace(id) || id.Equals("localtime", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(id);

            // Where ICU is available, a Windows id such as "W. Europe Standard Time" is found too.
            return zone.HasIanaId ? zone : null;
        }
        catch (Exception exception) when (
            exception is TimeZoneNotFoundException or InvalidTimeZoneException or SecurityException)
        {
            // A folder of the zoneinfo tree, such as "Europe", raises SecurityException.
            return null;
        }
    }
}
