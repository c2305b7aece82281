namespace Sendora.Grains;

/// <summary>
/// Recognizes a write that failed because the state is larger than the storage takes in one record. Retrying such a
/// write fails the same way, so the caller rejects what made the state grow instead of reporting an outage.
/// </summary>
public static class StateTooLarge
{
    /// <summary>
    /// Returns whether <paramref name="exception"/>, or an exception inside it, is a storage's rejection of a state
    /// for its size.
    /// </summary>
    /// <remarks>
    /// Orleans' Azure Table storage raises <see cref="ArgumentOutOfRangeException"/> for <c>GrainState.Size</c> when the
    /// serialized state exceeds its 15 properties of 64 KiB. Azure Storage itself returns 400 with the error code
    /// <c>EntityTooLarge</c> when the whole entity exceeds 1 MiB, which the Azure SDK raises as
    /// <c>Azure.RequestFailedException</c>. Orleans' storage bridge wraps both in an <c>OrleansException</c>.
    /// </remarks>
    public static bool Matches(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Any(Matches);
            }

            if (current is ArgumentOutOfRangeException { ParamName: "GrainState.Size" } || IsEntityTooLarge(current))
            {
                return true;
            }
        }

        return false;
    }

    // Grains do not reference the Azure SDK, so its exception is recognized by its type name and public ErrorCode.
    private static bool IsEntityTooLarge(Exception exception) =>
        exception.GetType().FullName == "Azure.RequestFailedException"
        && exception.GetType().GetProperty("ErrorCode")?.GetValue(exception) is "EntityTooLarge";
}
