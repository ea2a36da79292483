using System.Net;
using System.Net.Sockets;

namespace BluBees.Engine.Tests.Support;

/// <summary>
/// The socket half of the engine tests' raw HTTP servers: listens on a loopback address, counts every
/// accepted connection, and serves each one on its own task (disposing the client afterwards). A peer that
/// goes away, or the server stopping, ends a connection quietly. The HTTP half is the caller's.
/// </summary>
internal sealed class LoopbackListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<TcpClient, CancellationToken, Task> _serve;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public LoopbackListener(IPAddress address, int port, Func<TcpClient, CancellationToken, Task> serve)
    {
        _listener = new TcpListener(address, port);
        _listener.Start();
        _serve = serve;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Connections => Volatile.Read(ref _connections);

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>A connection is waiting to be accepted.</summary>
    public bool Pending => _listener.Pending();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await _serve(client, _stop.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer went away (as it should when a limit is hit or the other side of a transfer breaks) or the server is stopping.
            }
        }
    }
}
