using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BluBees.Engine.Tests.Steps.Transfer;

/// <summary>
/// A loopback source that generates <c>size</c> deterministic bytes (xorshift; nothing stored) and hashes
/// exactly what it wrote. Optionally chunked (no length), or dying with a reset after <c>dieAfter</c> bytes.
/// </summary>
internal sealed class GeneratedSource : IAsyncDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly StreamingLoopback _server;

    public GeneratedSource(long size, string? contentType = "application/pdf", bool announceLength = true, long? dieAfter = null, int status = 200)
    {
        _server = new StreamingLoopback(async (head, client, stream, ct) =>
        {
            Requests.Enqueue(head);
            var headers = contentType is null ? Array.Empty<(string, string)>() : [("Content-Type", contentType)];
            await StreamingLoopback.WriteHeadAsync(stream, status, announceLength ? size : null, ct, headers);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[Chunk];
            var state = 0x9E3779B97F4A7C15UL;
            long written = 0;
            try
            {
                while (written < size)
                {
                    var n = (int)Math.Min(Chunk, size - written);
                    if (dieAfter is { } limit && written + n > limit)
                    {
                        StreamingLoopback.Abort(client);
                        return;
                    }

                    Fill(buffer.AsSpan(0, n), ref state);
                    if (!announceLength)
                    {
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(n.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), ct);
                    }

                    await stream.WriteAsync(buffer.AsMemory(0, n), ct);
                    if (!announceLength)
                    {
                        await stream.WriteAsync("\r\n"u8.ToArray(), ct);
                    }

                    hash.AppendData(buffer, 0, n);
                    written += n;
                    Interlocked.Exchange(ref _written, written);
                }

                if (!announceLength)
                {
                    await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
                }

                await stream.FlushAsync(ct);
                _hash.TrySetResult(Convert.ToHexString(hash.GetHashAndReset()));
            }
            catch (IOException)
            {
                ClientWentAway.TrySetResult(Interlocked.Read(ref _written));
                throw;
            }
        });
    }

    private long _written;

    public ConcurrentQueue<RequestHead> Requests { get; } = new();

    private readonly TaskCompletionSource<string> _hash = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>SHA-256 of every byte written, once the whole body went out; null until then (or when it never did).</summary>
    public string? Hash => _hash.Task.IsCompletedSuccessfully ? _hash.Task.Result : null;

    /// <summary>
    /// The SHA-256 once the source's handler has finished writing. The client can have read the last byte (and the
    /// transfer succeeded) before the handler's continuation ran past its flush, so a test that compares hashes after
    /// a successful transfer waits for it (at most 30 s) instead of reading <see cref="Hash"/> at once.
    /// </summary>
    public Task<string> WrittenHashAsync() => _hash.Task.WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>Completes (with the bytes written so far) when the client closed the connection mid-body.</summary>
    public TaskCompletionSource<long> ClientWentAway { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Connections => _server.Connections;

    public Uri Url(string path = "/file") => _server.Url(path);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static void Fill(Span<byte> span, ref ulong state)
    {
        for (var i = 0; i < span.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            span[i] = (byte)(state >> 24);
        }
    }
}
