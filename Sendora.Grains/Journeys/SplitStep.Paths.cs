using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Sendora.Grains.Journeys;

public sealed partial record SplitStep
{
    /// <summary>
    /// Returns the index in <see cref="Paths"/> of the path a profile takes. The choice depends only on the
    /// journey id, the step id and the profile id, so a profile takes the same path in every process and
    /// every version of the journey that keeps the step's id and percents.
    /// </summary>
    /// <remarks>
    /// The XxHash64 of the three ids, modulo 100, picks a bucket from 0 to 99, and each path takes as many
    /// buckets as its percent, in order. Changing this mapping moves running profiles to other paths.
    /// </remarks>
    public int PathFor(string journeyId, string profileId)
    {
        ArgumentNullException.ThrowIfNull(journeyId);
        ArgumentNullException.ThrowIfNull(profileId);
        var hash = new XxHash64();
        AppendId(hash, journeyId);
        AppendId(hash, Id);
        AppendId(hash, profileId);
        var bucket = (int)(hash.GetCurrentHashAsUInt64() % 100);

        var end = 0;
        for (var index = 0; index < Paths.Count; index++)
        {
            end += Paths[index].Percent;
            if (bucket < end)
            {
                return index;
            }
        }

        throw new InvalidOperationException(
            $"The percents of the paths of step \"{Id}\" add up to {end}, not 100, so bucket {bucket} has no path.");
    }

    // Each id is preceded by its length, so ("ab", "c") and ("a", "bc") hash differently.
    private static void AppendId(XxHash64 hash, string id)
    {
        var bytes = Encoding.UTF8.GetBytes(id);
        Span<byte> length = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        hash.Append(length);
        hash.Append(bytes);
    }
}
