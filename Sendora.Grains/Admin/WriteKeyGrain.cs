namespace Sendora.Grains.Admin;

/// <summary>Stores which source a write key belongs to, so the gateway can authenticate a request in one call.</summary>
public sealed class WriteKeyGrain(
    [PersistentState("writekey", SendoraNames.GrainStorage)] IPersistentState<WriteKeyState> key)
    : Grain, IWriteKeyGrain
{
    public Task<WriteKeyBinding?> GetAsync() => Task.FromResult(key.State.Binding);

    public async Task BindAsync(WriteKeyBinding binding)
    {
        ArgumentNullException.ThrowIfNull(binding);
        var current = key.State.Binding;
        if (current is not null && (current.WorkspaceId != binding.WorkspaceId || current.SourceId != binding.SourceId))
        {
            throw new AdminConflictException("The write key is already in use by another source.");
        }

        key.State.Binding = binding;
        await key.WriteStateAsync();
    }

    public async Task RetireAsync()
    {
        key.State.Binding = null;
        await key.WriteStateAsync();
    }
}

/// <summary>The persisted binding of a write key.</summary>
[GenerateSerializer, Alias("sendora.WriteKeyState")]
public sealed class WriteKeyState
{
    /// <summary>The source the key sends to; null when unknown or retired.</summary>
    [Id(0)] public WriteKeyBinding? Binding { get; set; }
}
