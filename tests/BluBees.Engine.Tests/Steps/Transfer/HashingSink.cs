using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>
/// A loopback destination that reads the request body (by Content-Length or chunked), hashes it as it arrives
/// and answers <c>status</c> with a small JSON body. Optionally dies with a reset after <c>dieAfter</c> bytes.
/// </summary>
internal sealed class HashingSink : IAsyncDisposable
{
    private readonly StreamingLoopback _server;
    private long _read;

    public HashingSink(int status = 201, long? dieAfter = null)
    {
        _server = new StreamingLoopback(async (head, client, stream, ct) =>
        {
            Requests.Enqueue(head);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            var complete = false;
            try
            {
                complete = head.Header("Content-Length") is { } length
                    ? await ReadAsync(stream, long.Parse(length, CultureInfo.InvariantCulture), hash, buffer, dieAfter, client, ct)
                    : await ReadChunkedAsync(stream, hash, buffer, dieAfter, client, ct);
            }
            finally
            {
                Received.TrySetResult(complete);
            }

            if (complete)
            {
                Hash = Convert.ToHexString(hash.GetHashAndReset());
                var body = """{"id":"file-1"}"""u8.ToArray();
                await StreamingLoopback.WriteHeadAsync(stream, status, body.Length, ct, ("Content-Type", "application/json"));
                await stream.WriteAsync(body, ct);
            }
        });
    }

    public ConcurrentQueue<RequestHead> Requests { get; } = new();

    public string? Hash { get; private set; }

    public long BytesRead => Interlocked.Read(ref _read);

    /// <summary>True when the whole body arrived; false when the connection ended (or was cut) before.</summary>
    public TaskCompletionSource<bool> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Connections => _server.Connections;

    public Uri Url(string path = "/upload") => _server.Url(path);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task<bool> ReadAsync(
        Stream stream, long length, IncrementalHash hash, byte[] buffer, long? dieAfter, System.Net.Sockets.TcpClient client, CancellationToken ct)
    {
        var left = length;
        while (left > 0)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct);
            if (n == 0)
            {
                return false;
            }

            hash.AppendData(buffer, 0, n);
            left -= n;
            if (Interlocked.Add(ref _read, n) >= dieAfter)
            {
                StreamingLoopback.Abort(client);
                return false;
            }
        }

        return true;
    }

    private async Task<bool> ReadChunkedAsync(
        Stream stream, IncrementalHash hash, byte[] buffer, long? dieAfter, System.Net.Sockets.TcpClient client, CancellationToken ct)
    {
        while (await StreamingLoopback.ReadLineAsync(stream, ct) is { } sizeLine)
        {
            var size = long.Parse(sizeLine.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                await StreamingLoopback.ReadLineAsync(stream, ct);
                return true;
            }

            if (!await ReadAsync(stream, size, hash, buffer, dieAfter, client, ct))
            {
                return false;
            }

            await StreamingLoopback.ReadLineAsync(stream, ct);
        }

        return false;
    }
}
