using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Channels;

/// <summary>
/// An SMTP server on 127.0.0.1 that keeps every accepted message. A test can make it reply with an error code to
/// the next messages for one recipient, or hold the next message for one recipient before it replies.
/// </summary>
public sealed class SmtpCapture : MessageStore, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _replies = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SmtpHold> _pendingHolds = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _transactions = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private Task _running = Task.CompletedTask;

    public int Port { get; } = Ports.GetFree();

    public IReadOnlyCollection<MimeMessage> Messages => _messages;

    public static SmtpCapture Start()
    {
        var capture = new SmtpCapture();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, capture.Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(capture);
        capture._running = new SmtpServer.SmtpServer(options, services).StartAsync(capture._stop.Token);
        return capture;
    }

    /// <summary>Makes the server reply <paramref name="codes"/> to the next messages for <paramref name="recipient"/>, one per message.</summary>
    public void ReplyTo(string recipient, params int[] codes) =>
        _replies[recipient] = new ConcurrentQueue<int>(codes);

    /// <summary>Holds the next message for <paramref name="recipient"/> after its DATA, until the test releases it.</summary>
    public SmtpHold Hold(string recipient)
    {
        var hold = new SmtpHold();
        _pendingHolds[recipient] = hold;
        return hold;
    }

    /// <summary>Returns how many messages for <paramref name="recipient"/> reached the DATA stage, accepted or not.</summary>
    public int TransactionsTo(string recipient) => _transactions.GetValueOrDefault(recipient);

    /// <summary>Returns the accepted messages addressed to <paramref name="recipient"/>.</summary>
    public IReadOnlyList<MimeMessage> To(string recipient) =>
        [.. _messages.Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, recipient, StringComparison.OrdinalIgnoreCase)))];

    public override async Task<SmtpResponse> SaveAsync(
        ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        var recipient = transaction.To.Select(t => $"{t.User}@{t.Host}").First();
        _transactions.AddOrUpdate(recipient, 1, (_, count) => count + 1);
        if (_replies.TryGetValue(recipient, out var codes) && codes.TryDequeue(out var code))
        {
            return new SmtpResponse((SmtpReplyCode)code, "Rejected by the test server");
        }

        var data = buffer.ToArray();
        if (_pendingHolds.TryRemove(recipient, out var hold))
        {
            hold.SignalArrival();
            await hold.Released.WaitAsync(cancellationToken);
        }

        using var stream = new MemoryStream(data);
        _messages.Enqueue(MimeMessage.Load(stream, cancellationToken));
        return SmtpResponse.Ok;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAny(_running, Task.Delay(TimeSpan.FromSeconds(5)));
        _stop.Dispose();
    }
}
