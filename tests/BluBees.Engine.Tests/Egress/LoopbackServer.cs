using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BluBees.Engine.Tests.Support;

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
    private readonly Func<RecordedRequest, Stream, CancellationToken, Task> _handler;
    private readonly LoopbackListener _listener;

    private LoopbackServer(IPAddress address, int port, Func<RecordedRequest, Stream, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener = new LoopbackListener(address, port, ServeAsync);
    }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int Connections => _listener.Connections;

    public IPAddress Address => _listener.EndPoint.Address;

    public int Port => _listener.EndPoint.Port;

    public static LoopbackServer Start(Func<RecordedRequest, Stream, CancellationToken, Task> handler, string address = "127.0.0.1", int port = 0)
        => new(IPAddress.Parse(address), port, handler);

    /// <summary>Always answers 200 with <paramref name="body"/>.</summary>
    public static LoopbackServer Ok(string body = "ok", string address = "127.0.0.1") =>
        Start((_, s, ct) => RespondAsync(s, 200, body, ct), address);

    public Uri Url(string path = "/", string host = "127.0.0.1") =>
        new(string.Create(CultureInfo.InvariantCulture, $"http://{host}:{Port}{path}"));

    /// <summary>Waits a moment so a connection in flight would be counted, then returns the count.</summary>
    public async Task<int> SettledConnectionsAsync()
    {
        await Task.Delay(150);
        return Connections + (_listener.Pending ? 1 : 0);
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

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        var stream = client.GetStream();
        if (await ReadRequestAsync(stream, ct) is { } request)
        {
            Requests.Enqueue(request);
            await _handler(request, stream, ct);
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
