namespace Sendora.Grains;

/// <summary>
/// Collects items from interleaved calls of one grain and hands them to a single writer in groups: while one
/// group is written, the next collects. Each caller gets the result of the write that took its items, or its error.
/// </summary>
/// <remarks>Used only on the grain's scheduler, which runs one piece of it at a time.</remarks>
public sealed class GroupedWrites<TItem, TResult>(Func<IReadOnlyList<TItem>, Task<TResult>> write)
{
    private readonly List<(IReadOnlyList<TItem> Items, TaskCompletionSource<TResult> Done)> _pending = [];
    private Task _writing = Task.CompletedTask;

    /// <summary>Completes when every group added so far is written.</summary>
    public Task Idle => _writing;

    public Task<TResult> AddAsync(IReadOnlyList<TItem> items)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Add((items, done));
        if (_writing.IsCompleted)
        {
            _writing = WriteAllAsync();
        }

        return done.Task;
    }

    private async Task WriteAllAsync()
    {
        while (_pending.Count > 0)
        {
            var group = _pending.ToArray();
            _pending.Clear();
            try
            {
                var result = await write([.. group.SelectMany(p => p.Items)]);
                foreach (var pending in group)
                {
                    pending.Done.TrySetResult(result);
                }
            }
            catch (Exception exception)
            {
                // Every caller of the group sends its items again; the writer drops those it already has.
                foreach (var pending in group)
                {
                    pending.Done.TrySetException(exception);
                }
            }
        }
    }
}
