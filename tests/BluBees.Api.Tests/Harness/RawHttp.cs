using System.Net.Sockets;
using System.Text;

namespace BluBees.Api.Tests.Harness;

/// <summary>One answer read off a raw connection: status, headers (lower-cased names) and body.</summary>
public sealed record RawAnswer(int Status, IReadOnlyList<(string Name, string Value)> Headers, string Body)
{
    public string? Header(string name) => Headers.Where(h => h.Name == name).Select(h => h.Value).FirstOrDefault();

    public bool Closes => Header("connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>
/// A raw HTTP/1.1 connection to the backend, for requests HttpClient will not send (bad framing, invalid
/// percent-encoding, duplicate headers) and for checking that the connection is still usable after an answer.
/// </summary>
public sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _socket = new();
    private NetworkStream _stream = null!;
    private readonly List<byte> _buffer = [];

    public static async Task<RawHttp> ConnectAsync(Uri address)
    {
        var raw = new RawHttp();
        await raw._socket.ConnectAsync(address.Host, address.Port);
        raw._stream = raw._socket.GetStream();
        return raw;
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Half-closes the connection: the server sees the end of the request stream, and can still answer.</summary>
    public void EndSending() => _socket.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);

    /// <summary>Reads the next final answer (skipping 1xx unless <paramref name="interim"/>); null if the server closed the connection first.</summary>
    public async Task<RawAnswer?> ReadAsync(bool head = false, TimeSpan? timeout = null, bool interim = false)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var headText = await ReadUntilAsync("\r\n\r\n"u8.ToArray(), cts.Token);
            if (headText is null)
            {
                return null;
            }

            var lines = Encoding.Latin1.GetString(headText).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            var headers = lines.Skip(1).Select(l => (l[..l.IndexOf(':')].Trim().ToLowerInvariant(), l[(l.IndexOf(':') + 1)..].Trim())).ToList();
            if (status < 200)
            {
                if (interim)
                {
                    return new RawAnswer(status, headers, string.Empty);
                }

                continue;
            }

            var answer = new RawAnswer(status, headers, string.Empty);
            if (head || status == 204 || status == 304)
            {
                return answer;
            }

            if (answer.Header("content-length") is { } length)
            {
                var body = await ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), cts.Token);
                return body is null ? null : answer with { Body = Encoding.UTF8.GetString(body) };
            }

            if (answer.Header("transfer-encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
            {
                var all = new List<byte>();
                while (true)
                {
                    var sizeLine = await ReadUntilAsync("\r\n"u8.ToArray(), cts.Token);
                    if (sizeLine is null)
                    {
                        return null;
                    }

                    var size = Convert.ToInt32(Encoding.Latin1.GetString(sizeLine).Trim().Split(';')[0], 16);
                    if (size == 0)
                    {
                        await ReadUntilAsync("\r\n"u8.ToArray(), cts.Token);
                        return answer with { Body = Encoding.UTF8.GetString(all.ToArray()) };
                    }

                    all.AddRange(await ReadExactlyAsync(size, cts.Token) ?? []);
                    await ReadExactlyAsync(2, cts.Token);
                }
            }

            return answer;
        }
    }

    private async Task<byte[]?> ReadUntilAsync(byte[] marker, CancellationToken ct)
    {
        while (true)
        {
            var at = IndexOf(marker);
            if (at >= 0)
            {
                var result = _buffer.Take(at).ToArray();
                _buffer.RemoveRange(0, at + marker.Length);
                return result;
            }

            if (!await FillAsync(ct))
            {
                return null;
            }
        }
    }

    private async Task<byte[]?> ReadExactlyAsync(int count, CancellationToken ct)
    {
        while (_buffer.Count < count)
        {
            if (!await FillAsync(ct))
            {
                return null;
            }
        }

        var result = _buffer.Take(count).ToArray();
        _buffer.RemoveRange(0, count);
        return result;
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        var chunk = new byte[16384];
        int read;
        try
        {
            read = await _stream.ReadAsync(chunk, ct);
        }
        catch (IOException)
        {
            return false;
        }

        _buffer.AddRange(chunk.AsSpan(0, read).ToArray());
        return read > 0;
    }

    private int IndexOf(byte[] marker)
    {
        for (var i = 0; i + marker.Length <= _buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < marker.Length && match; j++)
            {
                match = _buffer[i + j] == marker[j];
            }

            if (match)
            {
                return i;
            }
        }

        return -1;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
