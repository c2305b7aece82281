namespace Sendora.Tests.Infrastructure;

/// <summary>Reads a value again and again until it reaches the state a test waits for.</summary>
public static class Poll
{
    /// <summary>
    /// Calls <paramref name="read"/> every 100 ms until <paramref name="done"/> returns true for its result, and returns that
    /// result. Throws <see cref="TimeoutException"/> with <paramref name="describe"/> of the last result after <paramref name="timeout"/>.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, Func<T, string> describe, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(describe(value));
            }

            await Task.Delay(100);
        }
    }
}
