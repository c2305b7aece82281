namespace Sendora.Grains;

/// <summary>
/// Collects items from interleaved calls of one grain and hands them to a single writer in groups: while one
/// group is written, the next collects. Each caller's task completes when the group with its items is written.
/// </summary>
/// <remarks>Used only on the grain's scheduler, which runs one piece of it at a time.</remarks>
public sealed class GroupedWrites<TItem>(Func<IReadOnlyList<TItem>, Task> write)
{
    private readonly List<(TItem Item, TaskCompletionSource Done)> _pending = [];
    private Task _writing = Task.CompletedTask;

    public Task AddAsync(TItem item)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Add((item, done));
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
                await write([.. group.Select(p => p.Item)]);
                foreach (var pending in group)
                {
                    pending.Done.TrySetResult();
                }
            }
            catch (Exception exception)
            {
                foreach (var pending in group)
                {
                    pending.Done.TrySetException(exception);
                }
            }
        }
    }
}
