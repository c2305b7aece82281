using System.Net;
using System.Net.Sockets;

namespace Sendora.Tests.Infrastructure;

/// <summary>Finds free TCP ports on the loopback address.</summary>
public static class Ports
{
    public static int GetFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts connections on <paramref name="port"/>, or throws after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilOpenAsync(int port, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"{what} did not open port {port} within {timeout.TotalSeconds:0} seconds.");
    }
}
