using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Sendora.Silo.Hosting;

namespace Sendora.Tests.Units;

/// <summary>The pooled array that a write through <see cref="GrainStorageByConnection"/> serializes its state into.</summary>
public sealed class LeasedStateBuffersTests
{
    private static readonly PooledStorageSerializer Serializer = new(new ServiceCollection()
        .AddSerializer()
        .BuildServiceProvider()
        .GetRequiredService<Serializer>());

    private static readonly GrainId Grain = GrainId.Create("test", "leased");

    private static readonly string State = new('x', 5_000);

    [Fact]
    public async Task Write_Succeeds_ReturnsLentArray()
    {
        var pool = new RecordingPool();
        var done = new TaskCompletionSource();
        var storage = new SerializingStorage(done.Task);
        var write = new GrainStorageByConnection([storage], pool).WriteStateAsync("state", Grain, new GrainState<string>(State));

        var written = Assert.Single(storage.Written);
        Assert.Same(Assert.Single(pool.Rented), ArrayOf(written));
        Assert.Equal(State, Serializer.Deserialize<string>(new BinaryData(written)));
        Assert.Empty(pool.Returned);

        done.SetResult();
        await write;
        Assert.Same(pool.Rented[0], Assert.Single(pool.Returned));
    }

    [Fact]
    public async Task Write_Fails_KeepsLentArray()
    {
        var pool = new RecordingPool();
        var storage = new SerializingStorage(Task.FromException(new TimeoutException("The storage write timed out.")));

        await Assert.ThrowsAsync<TimeoutException>(
            () => new GrainStorageByConnection([storage], pool).WriteStateAsync("state", Grain, new GrainState<string>(State)));

        Assert.Single(pool.Rented);
        Assert.Empty(pool.Returned);
    }

    [Fact]
    public async Task SerializeAfterAwait_GetsOwnArray()
    {
        var pool = new RecordingPool();
        var storage = new SerializingStorage(Task.CompletedTask) { YieldFirst = true };

        await new GrainStorageByConnection([storage], pool).WriteStateAsync("state", Grain, new GrainState<string>(State));

        Assert.Empty(pool.Rented);
        var written = Assert.Single(storage.Written);
        Assert.Equal(written.Length, ArrayOf(written).Length);
    }

    [Fact]
    public async Task SecondState_GetsOwnArray()
    {
        var pool = new RecordingPool();
        var storage = new SerializingStorage(Task.CompletedTask) { Serializations = 2 };

        await new GrainStorageByConnection([storage], pool).WriteStateAsync("state", Grain, new GrainState<string>(State));

        Assert.Equal(2, storage.Written.Count);
        Assert.Same(Assert.Single(pool.Rented), ArrayOf(storage.Written[0]));
        Assert.Equal(storage.Written[1].Length, ArrayOf(storage.Written[1]).Length);
        Assert.Same(pool.Rented[0], Assert.Single(pool.Returned));
    }

    [Fact]
    public async Task StateOverPoolLimit_GetsOwnArray()
    {
        var large = new string('y', LeasedStateBuffers.MaxPooledLength * 2);
        var storage = new SerializingStorage(Task.CompletedTask);

        await new GrainStorageByConnection([storage], LeasedStateBuffers.CreatePool())
            .WriteStateAsync("state", Grain, new GrainState<string>(large));

        var written = Assert.Single(storage.Written);
        Assert.Equal(written.Length, ArrayOf(written).Length);
        Assert.Equal(large, Serializer.Deserialize<string>(new BinaryData(written)));
    }

    [Fact]
    public void NoLease_ReturnsExactArray()
    {
        var written = Serializer.Serialize(State).ToMemory();

        Assert.Equal(written.Length, ArrayOf(written).Length);
        Assert.Equal(State, Serializer.Deserialize<string>(new BinaryData(written)));
    }

    private static byte[] ArrayOf(ReadOnlyMemory<byte> memory)
    {
        Assert.True(MemoryMarshal.TryGetArray(memory, out var segment));
        Assert.Equal(0, segment.Offset);
        return segment.Array!;
    }

    /// <summary>Serializes the state as Orleans' Redis storage does: before its first await, unless <see cref="YieldFirst"/> is set.</summary>
    private sealed class SerializingStorage(Task completion) : IGrainStorage
    {
        public bool YieldFirst { get; init; }

        public int Serializations { get; init; } = 1;

        public List<ReadOnlyMemory<byte>> Written { get; } = [];

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (YieldFirst)
            {
                await Task.Yield();
            }

            for (var i = 0; i < Serializations; i++)
            {
                Written.Add(Serializer.Serialize(grainState.State).ToMemory());
            }

            await completion;
        }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;
    }

    /// <summary>Rents arrays longer than requested, as pools do, and records what was rented and returned.</summary>
    private sealed class RecordingPool : ArrayPool<byte>
    {
        public List<byte[]> Rented { get; } = [];

        public List<byte[]> Returned { get; } = [];

        public override byte[] Rent(int minimumLength)
        {
            var array = new byte[minimumLength + 100];
            Rented.Add(array);
            return array;
        }

        public override void Return(byte[] array, bool clearArray = false) => Returned.Add(array);
    }
}
