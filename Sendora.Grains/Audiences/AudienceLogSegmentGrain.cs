using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Sendora.Grains.Audiences;

/// <summary>
/// Keeps one segment of an audience's log in sequence order, stored in pages of <see cref="PageSize"/> entries, so
/// that an append writes the page it lands in rather than every entry of the segment.
/// </summary>
/// <remarks>
/// Entries stored before pages existed stay in the segment's own record and are read first. Later appends go to the
/// pages by their position in the segment, and the record keeps the mask of pages written.
/// </remarks>
public sealed class AudienceLogSegmentGrain(
    [PersistentState("audienceLog", SendoraNames.GrainStorage)] IPersistentState<AudienceLogSegmentState> segment)
    : Grain, IAudienceLogSegmentGrain
{
    /// <summary>
    /// Entries per stored page. An entry of a change with a few ids takes about 200 bytes (an estimate), so a page is
    /// about 20 KB, under the 85,000 bytes from which .NET allocates a buffer in the large object heap.
    /// </summary>
    public const int PageSize = 100;

    private const int PageCount = (AudienceGrain.SegmentSize + PageSize - 1) / PageSize;

    private readonly List<AudienceLogEntry> _entries = [];
    private StateBuckets<AudienceLogSegmentPage>? _pages;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(SendoraNames.GrainStorage);
        _pages = new StateBuckets<AudienceLogSegmentPage>(storage, "audienceLog", this.GetGrainId(), PageCount);
        await _pages.ReadAsync(segment.State.WrittenBuckets);
        _entries.AddRange(segment.State.Entries);
        for (var i = 0; i < PageCount; i++)
        {
            _entries.AddRange(_pages[i].Entries);
        }
    }

    public async Task AppendAsync(IReadOnlyList<AudienceLogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var added = new Dictionary<int, int>();
        for (var i = 0; i < entries.Count; i++)
        {
            var page = Math.Min((_entries.Count + i) / PageSize, PageCount - 1);
            var list = _pages![page].Entries;
            added.TryAdd(page, list.Count);
            list.Add(entries[i]);
        }

        try
        {
            await _pages!.WriteAsync(added.Keys, segment);
        }
        catch
        {
            // Storage may lack the entries, so memory must not keep them.
            foreach (var (page, count) in added)
            {
                var list = _pages![page].Entries;
                list.RemoveRange(count, list.Count - count);
            }

            throw;
        }

        _entries.AddRange(entries);
    }

    public Task<IReadOnlyList<AudienceLogEntry>> ReadAsync(long afterSequence, int limit)
    {
        var start = _entries.FindIndex(e => e.Sequence > afterSequence);
        return Task.FromResult<IReadOnlyList<AudienceLogEntry>>(
            start < 0 ? [] : _entries.GetRange(start, Math.Min(limit, _entries.Count - start)));
    }

    public async Task ClearAsync()
    {
        await _pages!.ClearAsync(segment.State.WrittenBuckets);
        await segment.ClearStateAsync();
        _entries.Clear();
    }
}

[GenerateSerializer, Alias("sendora.AudienceLogSegmentState")]
public sealed class AudienceLogSegmentState : IWrittenBuckets
{
    /// <summary>Entries written before the segment kept pages.</summary>
    [Id(0)] public List<AudienceLogEntry> Entries { get; set; } = [];

    [Id(1)] public uint WrittenBuckets { get; set; }
}

[GenerateSerializer, Alias("sendora.AudienceLogSegmentPage")]
public sealed class AudienceLogSegmentPage
{
    [Id(0)] public List<AudienceLogEntry> Entries { get; set; } = [];
}
