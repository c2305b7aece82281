namespace Sendora.Grains;

/// <summary>
/// Names of the Orleans providers that grains and hosts refer to, kept in one place so that a
/// grain's <c>[PersistentState]</c> and the silo's registration can never disagree.
/// </summary>
public static class SendoraNames
{
    /// <summary>The grain storage provider that holds every Sendora grain's state.</summary>
    public const string GrainStorage = "sendora";

    /// <summary>The grain storage provider for stream subscriptions (Orleans' fixed name).</summary>
    public const string PubSubStorage = "PubSubStore";

    /// <summary>The stream provider for audience membership and other live streams.</summary>
    public const string StreamProvider = "sendora";
}
