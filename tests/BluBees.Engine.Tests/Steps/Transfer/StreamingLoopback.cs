using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BluBees.Engine.Tests.Support;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>A request head as a <see cref="StreamingLoopback"/> parsed it; the body stays on the socket.</summary>
internal sealed record RequestHead(string Method, string Target, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A raw HTTP/1.1 server on 127.0.0.1 for bodies far too large to hold: it parses the request head only and
/// hands the socket to the handler, which streams the body in or out. One request per connection.
/// </summary>
internal sealed class StreamingLoopback : IAsyncDisposable
{
    private readonly Func<RequestHead, TcpClient, NetworkStream, CancellationToken, Task> _handler;
    private readonly LoopbackListener _listener;

    public StreamingLoopback(Func<RequestHead, TcpClient, NetworkStream, CancellationToken, Task> handler)
    {
        _handler = handler;
        _listener = new LoopbackListener(IPAddress.Loopback, 0, ServeAsync);
    }

    public int Connections => _listener.Connections;

    public Uri Url(string path) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{_listener.EndPoint.Port}{path}"));

    /// <summary>Writes a response head; <paramref name="length"/> null means chunked (the handler writes chunks).</summary>
    public static Task WriteHeadAsync(Stream stream, int status, long? length, CancellationToken ct, params (string Name, string Value)[] headers)
    {
        var head = new StringBuilder().Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} Status\r\nConnection: close\r\n");
        head.Append(length is { } n ? string.Create(CultureInfo.InvariantCulture, $"Content-Length: {n}\r\n") : "Transfer-Encoding: chunked\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        return stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), ct).AsTask();
    }

    /// <summary>Closes with a TCP reset: the peer sees the connection die, not a clean end.</summary>
    public static void Abort(TcpClient client)
    {
        client.Client.LingerState = new LingerOption(true, 0);
        client.Client.Close();
    }

    /// <summary>Reads one CRLF-terminated line byte by byte (heads and chunk sizes only).</summary>
    public static async Task<string?> ReadLineAsync(Stream stream, CancellationToken ct)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (line.Length < 8192)
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                return null;
            }

            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }

        return null;
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        var stream = client.GetStream();
        var requestLine = await ReadLineAsync(stream, ct);
        if (requestLine is null)
        {
            return;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (await ReadLineAsync(stream, ct) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var parts = requestLine.Split(' ');
        await _handler(new RequestHead(parts[0], parts[1], headers), client, stream, ct);
    }
}
