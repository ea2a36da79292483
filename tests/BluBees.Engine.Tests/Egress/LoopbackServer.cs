using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BluBees.Engine.Tests.Egress;

/// <summary>One request received by a <see cref="LoopbackServer"/>.</summary>
internal sealed record RecordedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A raw HTTP/1.1 server on a loopback address: one request per connection (it answers Connection: close),
/// counts every accepted connection and records what it received, so tests can prove a connection never
/// happened. The handler writes the raw response.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<RecordedRequest, Stream, CancellationToken, Task> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    private LoopbackServer(TcpListener listener, Func<RecordedRequest, Stream, CancellationToken, Task> handler)
    {
        _listener = listener;
        _handler = handler;
        _acceptLoop = AcceptLoopAsync();
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int Connections => Volatile.Read(ref _connections);

    public IPAddress Address => ((IPEndPoint)_listener.LocalEndpoint).Address;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static LoopbackServer Start(Func<RecordedRequest, Stream, CancellationToken, Task> handler, string address = "127.0.0.1", int port = 0)
    {
        var listener = new TcpListener(IPAddress.Parse(address), port);
        listener.Start();
        return new LoopbackServer(listener, handler);
    }

    /// <summary>Always answers 200 with <paramref name="body"/>.</summary>
    public static LoopbackServer Ok(string body = "ok", string address = "127.0.0.1") =>
        Start((_, s, ct) => RespondAsync(s, 200, body, ct), address);

    public Uri Url(string path = "/", string host = "127.0.0.1") =>
        new(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{Port}{path}"));

    /// <summary>Waits a moment so a connection in flight would be counted, then returns the count.</summary>
    public async Task<int> SettledConnectionsAsync()
    {
        await Task.Delay(150);
        return Connections + (_listener.Pending() ? 1 : 0);
    }

    public static Task RespondAsync(Stream stream, int status, string body, CancellationToken ct, params (string Name, string Value)[] headers) =>
        RespondAsync(stream, status, Encoding.UTF8.GetBytes(body), ct, headers);

    public static async Task RespondAsync(Stream stream, int status, byte[] body, CancellationToken ct, params (string Name, string Value)[] headers)
    {
        var head = new StringBuilder().Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} Status\r\nContent-Length: {body.Length}\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), ct);
        await stream.WriteAsync(body, ct);
        await stream.FlushAsync(ct);
    }

    public static Task RedirectAsync(Stream stream, int status, string location, CancellationToken ct) =>
        RespondAsync(stream, status, "", ct, ("Location", location));

    public static Task WriteAsciiAsync(Stream stream, string text, CancellationToken ct) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), ct).AsTask();

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
                var stream = client.GetStream();
                if (await ReadRequestAsync(stream, _stop.Token) is { } request)
                {
                    Requests.Enqueue(request);
                    await _handler(request, stream, _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away (as it should when a limit is hit) or the server is stopping.
            }
        }
    }

    private static async Task<RecordedRequest?> ReadRequestAsync(Stream stream, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 64 * 1024)
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                return null;
            }

            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
            {
                break;
            }
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = new byte[headers.TryGetValue("Content-Length", out var length) ? int.Parse(length, CultureInfo.InvariantCulture) : 0];
        await stream.ReadExactlyAsync(body, ct);
        return new RecordedRequest(requestLine[0], requestLine[1], headers, body);
    }
}
