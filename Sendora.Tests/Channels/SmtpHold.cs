namespace Sendora.Tests.Channels;

/// <summary>
/// A message whose reply <see cref="SmtpCapture"/> delays after its DATA arrived, so that a test can act while the
/// sender waits for the reply.
/// </summary>
public sealed class SmtpHold
{
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the held message's DATA has arrived.</summary>
    public Task Arrived => _arrived.Task;

    internal Task Released => _released.Task;

    /// <summary>Lets the server accept the held message and reply 250, whether or not the sender still listens.</summary>
    public void Release() => _released.TrySetResult();

    internal void SignalArrival() => _arrived.TrySetResult();
}
