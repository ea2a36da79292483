using System.Buffers;

namespace BluBees.Engine.Egress;

/// <summary>Buffering a (limited) body and copying response headers.</summary>
internal static class ResponseBody
{
    private const int ReadChunk = 16 * 1024;

    /// <summary>
    /// Reads to the end; <paramref name="body"/> (an <see cref="EgressResponseStream"/>) enforces the limits. Reads go
    /// into a buffer rented from the shared pool, grown by renting a larger one, and only the exact body is allocated.
    /// Before, every response allocated a 16 KiB buffer, then a 32 KiB one (asking for 16 KiB free after the first read
    /// grew it even when the next read found the end), then the body: a quarter of all the bytes the event path
    /// allocated (docs/benchmarks.md, "Allocations"). A buffer goes back to the pool zeroed over what it held, so no
    /// response byte outlives the run in pooled memory.
    /// </summary>
    public static async Task<byte[]> BufferAsync(Stream body, CancellationToken ct)
    {
        var pool = ArrayPool<byte>.Shared;
        var buffer = pool.Rent(ReadChunk);
        var written = 0;
        try
        {
            while (true)
            {
                if (written == buffer.Length)
                {
                    var larger = pool.Rent(checked(buffer.Length * 2));
                    buffer.AsSpan(0, written).CopyTo(larger);
                    Return(pool, buffer, written);
                    buffer = larger;
                }

                var n = await body.ReadAsync(buffer.AsMemory(written), ct);
                if (n == 0)
                {
                    return written == 0 ? [] : buffer.AsSpan(0, written).ToArray();
                }

                written += n;
            }
        }
        finally
        {
            Return(pool, buffer, written);
        }
    }

    private static void Return(ArrayPool<byte> pool, byte[] buffer, int written)
    {
        buffer.AsSpan(0, written).Clear();
        pool.Return(buffer);
    }

    public static KeyValuePair<string, string>[] Headers(HttpResponseMessage response) =>
    [
        .. response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated)
            .Where(h => !h.Key.StartsWith("Set-Cookie", StringComparison.OrdinalIgnoreCase))
            .Select(h => KeyValuePair.Create(h.Key, string.Join(", ", h.Value))),
    ];
}
