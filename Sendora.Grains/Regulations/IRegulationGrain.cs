using Orleans.Concurrency;

namespace Sendora.Grains.Regulations;

/// <summary>
/// One regulation, keyed <c>{workspaceId}/{regulationId}</c>. It records the request, applies the suppression
/// through the workspace's <see cref="IRegulationListGrain"/>, and erases the subjects' profiles one by one, resumed
/// by a reminder after a crash.
/// </summary>
public interface IRegulationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies the suppression of <paramref name="regulation"/> and stores it before it returns, then erases profiles
    /// in the background. Nothing is stored when the suppression is rejected. A regulation already stored under this
    /// key is returned as it is.
    /// </summary>
    /// <exception cref="SuppressionLimitException">The workspace would suppress more userIds than it keeps.</exception>
    Task<Regulation> StartAsync(Regulation regulation);

    /// <summary>
    /// Returns the regulation, or null when none was started under this key. It runs between the steps of an erasure,
    /// which takes the grain for as long as it runs, so that a caller sees the progress instead of waiting.
    /// </summary>
    [AlwaysInterleave]
    Task<Regulation?> GetAsync();
}

/// <summary>
/// A workspace's regulations, newest first, and its suppressed userIds, keyed by the workspace id. The list keeps
/// the newest <see cref="RegulationListGrain.MaxListed"/> regulations; older ones stay readable by their id.
/// </summary>
public interface IRegulationListGrain : IGrainWithStringKey
{
    /// <summary>
    /// Lists <paramref name="summary"/> and suppresses or unsuppresses its subjects according to its type. Registering
    /// the same regulation again changes nothing.
    /// </summary>
    /// <exception cref="SuppressionLimitException">The workspace would suppress more userIds than it keeps.</exception>
    Task RegisterAsync(RegulationSummary summary, IReadOnlyList<string> subjectIds);

    [ReadOnly]
    Task<IReadOnlyList<RegulationSummary>> ListAsync(int offset, int limit);

    [ReadOnly]
    Task<int> CountAsync();

    /// <summary>Returns the suppressed userIds in the order they were suppressed, with the total.</summary>
    [ReadOnly]
    Task<SuppressionPage> ListSuppressionsAsync(int offset, int limit);

    /// <summary>Returns the suppressed userIds when their version differs from <paramref name="knownVersion"/>, else null.</summary>
    [ReadOnly]
    Task<SuppressionSet?> GetSuppressionsIfChangedAsync(long knownVersion);
}
