using Orleans.Concurrency;

namespace Sendora.Grains.Admin;

/// <summary>One write key, keyed by the key itself: which workspace and source it sends to.</summary>
public interface IWriteKeyGrain : IGrainWithStringKey
{
    /// <summary>Returns the binding, or null when the key is unknown or was retired.</summary>
    [ReadOnly]
    Task<WriteKeyBinding?> GetAsync();

    /// <summary>Binds the key; throws <see cref="AdminConflictException"/> when it is bound to another source.</summary>
    Task BindAsync(WriteKeyBinding binding);

    /// <summary>Removes the binding so that the key is rejected from now on.</summary>
    Task RetireAsync();
}
